"""Turn ticket texts into one feature matrix.

Blocks (each optional, chosen at training time and saved with the model):

- ``embed``: frozen sentence embeddings from ``retrieval.embedder.get_embedder()`` (MiniLM).
- ``knn``: per class, mean cosine to the ``knn_k`` nearest training tickets of that class
  (:mod:`triage.knn`; needs ``embed``; leave-one-out on the training rows).
- ``word``/``char``: TF-IDF over word 1–2-grams and character 2–5-grams (within words).
- ``context``: retrieval-informed — the sources of the top-k chunks a knowledge-base search
  returns for the ticket, weighted by score (softmax over the hits), as a vector over the
  sources seen in training. The search is injected as ``context_fn`` so the model works
  without an index (the block is then all zeros).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel
from scipy import sparse

from triage.embed import embed_texts
from triage.knn import KnnSimilarity

ContextFn = Callable[[str], list[tuple[str, float]]]


class FeatureConfig(BaseModel):
    embed: bool = True
    word: bool = True
    char: bool = True
    context: bool = False
    knn: bool = True
    knn_k: int = 3
    knn_weight: float = 1.0
    embed_weight: float = 1.0
    tfidf_weight: float = 1.0
    context_weight: float = 1.0
    context_temperature: float = 0.05
    max_features: int = 200_000

    def names(self) -> list[str]:
        return [n for n in ("embed", "knn", "word", "char", "context") if getattr(self, n, False)]


def context_vector(hits: list[tuple[str, float]], vocab: dict[str, int], temperature: float) -> np.ndarray:
    out = np.zeros(len(vocab), dtype=np.float32)
    if not hits:
        return out
    scores = np.array([s for _, s in hits], dtype=np.float64)
    w = np.exp((scores - scores.max()) / max(temperature, 1e-6))
    w /= w.sum()
    for (source, _), weight in zip(hits, w, strict=True):
        j = vocab.get(source)
        if j is not None:
            out[j] += weight
    return out


class FeatureBuilder:
    """Fit on training texts, then transform any texts the same way (picklable)."""

    def __init__(self, config: FeatureConfig) -> None:
        self.config = config
        self.word: Any = None
        self.char: Any = None
        self.sources: dict[str, int] = {}
        self.knn: KnnSimilarity | None = None

    def fit(
        self,
        texts: list[str],
        contexts: list[list[tuple[str, float]]] | None = None,
        *,
        embeddings: np.ndarray | None = None,
        labels: list[str] | None = None,
    ) -> FeatureBuilder:
        from sklearn.feature_extraction.text import TfidfVectorizer

        cfg = self.config
        if getattr(cfg, "knn", False) and cfg.embed and labels is not None:
            if embeddings is None:
                embeddings = embed_texts(texts)
            self.knn = KnnSimilarity(embeddings, labels, k=cfg.knn_k)
        if cfg.word:
            self.word = TfidfVectorizer(
                ngram_range=(1, 2), sublinear_tf=True, min_df=1, lowercase=True, max_features=cfg.max_features
            ).fit(texts)
        if cfg.char:
            self.char = TfidfVectorizer(
                analyzer="char_wb",
                ngram_range=(2, 5),
                sublinear_tf=True,
                min_df=2,
                max_features=cfg.max_features,
            ).fit(texts)
        if cfg.context and contexts is not None:
            names = sorted({s for hits in contexts for s, _ in hits})
            self.sources = {s: i for i, s in enumerate(names)}
        return self

    def transform(
        self,
        texts: list[str],
        *,
        embeddings: np.ndarray | None = None,
        contexts: list[list[tuple[str, float]]] | None = None,
        training: bool = False,
    ) -> sparse.csr_matrix:
        """``training``: the rows ``fit`` saw, in order (the knn block leaves each one out)."""
        cfg = self.config
        blocks: list[Any] = []
        if cfg.embed:
            if embeddings is None:
                embeddings = embed_texts(texts)
            blocks.append(sparse.csr_matrix(embeddings * cfg.embed_weight))
            knn = getattr(self, "knn", None)
            if knn is not None:
                sims = knn.transform(embeddings, exclude_self=training)
                blocks.append(sparse.csr_matrix(sims * cfg.knn_weight))
        if self.word is not None:
            blocks.append(self.word.transform(texts) * cfg.tfidf_weight)
        if self.char is not None:
            blocks.append(self.char.transform(texts) * cfg.tfidf_weight)
        if cfg.context and self.sources:
            ctx = contexts or [[] for _ in texts]
            mat = np.stack([context_vector(h, self.sources, cfg.context_temperature) for h in ctx])
            blocks.append(sparse.csr_matrix(mat * cfg.context_weight))
        return sparse.hstack(blocks, format="csr", dtype=np.float32)
