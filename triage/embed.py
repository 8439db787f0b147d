"""Embeddings for triage through ``retrieval.embedder.get_embedder()``.

A single ticket is a tiny batch: the embedder runs it on one torch thread through its
frozen small-batch path (see :mod:`retrieval.embedder`); training batches use all cores.
"""

from __future__ import annotations

import numpy as np


def embed_texts(texts: list[str]) -> np.ndarray:
    from retrieval.embedder import get_embedder

    return get_embedder().embed(texts)
