"""Nearest-neighbour class similarities over the training embeddings (the ``knn`` block).

For each class, the mean cosine similarity of a ticket to its ``k`` most similar training
tickets of that class: one column per class. Training rows are scored leave-one-out so the
classifier does not learn to trust a perfect self-match.
"""

from __future__ import annotations

import numpy as np

CHUNK_ROWS = 1024


class KnnSimilarity:
    """Fitted on L2-normalised training embeddings and their labels (picklable)."""

    def __init__(self, embeddings: np.ndarray, labels: list[str], k: int = 3) -> None:
        classes = sorted(set(labels))
        y = np.array([classes.index(v) for v in labels])
        order = np.argsort(y, kind="stable")
        self.k = k
        self.classes = classes
        self.ref = np.ascontiguousarray(embeddings[order], dtype=np.float32)
        self.ref_pos = np.argsort(order)  # reference row of each training row
        counts = np.bincount(y, minlength=len(classes))
        self.bounds = np.concatenate([[0], np.cumsum(counts)])

    def transform(self, embeddings: np.ndarray, *, exclude_self: bool = False) -> np.ndarray:
        """``exclude_self``: ``embeddings`` are the training rows, in training order."""
        out = np.zeros((len(embeddings), len(self.classes)), dtype=np.float32)
        for start in range(0, len(embeddings), CHUNK_ROWS):
            sims = np.asarray(embeddings[start : start + CHUNK_ROWS], dtype=np.float32) @ self.ref.T
            if exclude_self:
                sims[np.arange(len(sims)), self.ref_pos[start : start + len(sims)]] = -np.inf
            out[start : start + len(sims)] = self._per_class(sims)
        return out

    def _per_class(self, sims: np.ndarray) -> np.ndarray:
        out = np.zeros((len(sims), len(self.classes)), dtype=np.float32)
        for c in range(len(self.classes)):
            seg = sims[:, self.bounds[c] : self.bounds[c + 1]]
            kk = min(self.k, seg.shape[1])
            if kk == 0:
                continue
            top = -np.partition(-seg, kk - 1, axis=1)[:, :kk] if kk < seg.shape[1] else seg
            finite = np.isfinite(top)
            total = np.where(finite, top, 0.0).sum(axis=1)
            out[:, c] = total / np.maximum(finite.sum(axis=1), 1)
        return out
