"""Nearest-neighbour class similarities over the training embeddings (the ``knn`` block).

For each class, the mean cosine similarity of a ticket to its ``k`` most similar training
tickets of that class: one column per class. Training rows are scored leave-one-out so the
classifier does not learn to trust a perfect self-match.
"""

from __future__ import annotations

import numpy as np

CHUNK_ROWS = 128
STEP_FLOATS = 8_000_000  # rows × classes × largest class per step: ~32 MB of float32


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
        gather = self._gather()
        step = max(1, min(CHUNK_ROWS, STEP_FLOATS // max(gather.size, 1)))  # bounded memory per step
        for start in range(0, len(embeddings), step):
            sims = np.asarray(embeddings[start : start + step], dtype=np.float32) @ self.ref.T
            if exclude_self:
                sims[np.arange(len(sims)), self.ref_pos[start : start + len(sims)]] = -np.inf
            out[start : start + len(sims)] = self._per_class(sims, gather)
        return out

    def _gather(self) -> np.ndarray:
        """(classes, largest class) indices into a similarity row with one -inf column
        appended: each class's reference columns, padded with that column. Lets one
        ``np.partition`` call rank all classes at once (a Python loop over 77 classes cost
        more than the similarities themselves for a single ticket)."""
        cached = getattr(self, "_gather_idx", None)
        if cached is not None:
            return cached
        sizes = np.diff(self.bounds)
        pad = len(self.ref)  # the appended -inf column
        idx = np.full((len(self.classes), max(int(sizes.max()), 1)), pad, dtype=np.intp)
        for c, (lo, n) in enumerate(zip(self.bounds[:-1], sizes, strict=True)):
            idx[c, :n] = np.arange(lo, lo + n)
        self._gather_idx = idx
        return idx

    def _per_class(self, sims: np.ndarray, gather: np.ndarray) -> np.ndarray:
        padded = np.concatenate([sims, np.full((len(sims), 1), -np.inf, dtype=sims.dtype)], axis=1)
        per = padded[:, gather]  # (rows, classes, largest class)
        kk = min(self.k, per.shape[2])
        top = -np.partition(-per, kk - 1, axis=2)[:, :, :kk] if kk < per.shape[2] else per
        finite = np.isfinite(top)
        total = np.where(finite, top, 0.0).sum(axis=2)
        return (total / np.maximum(finite.sum(axis=2), 1)).astype(np.float32)
