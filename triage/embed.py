"""Embeddings for triage through ``retrieval.embedder.get_embedder()``.

A single ticket is a tiny batch: torch's default intra-op threads then oversubscribe the
shared CPU (one MiniLM call measured ~460 ms with 2 threads under load vs ~34 ms with
one). Small batches therefore run with one torch thread; big batches (training) keep the
default. The thread count is process-global, so the switch is serialised by a lock.
"""

from __future__ import annotations

import threading

import numpy as np

SMALL_BATCH = 8
_lock = threading.Lock()


def embed_texts(texts: list[str]) -> np.ndarray:
    from retrieval.embedder import get_embedder

    embedder = get_embedder()
    if len(texts) > SMALL_BATCH:
        return embedder.embed(texts)
    import torch

    with _lock:
        before = torch.get_num_threads()
        if before > 1:
            torch.set_num_threads(1)
        try:
            return embedder.embed(texts)
        finally:
            if before > 1:
                torch.set_num_threads(before)
