"""The knn block (triage.knn): per-class mean of the k best cosines, vectorised over classes,
checked against a plain per-class loop on more rows than one step holds."""

from __future__ import annotations

import numpy as np

from triage import knn as knn_mod
from triage.knn import KnnSimilarity


def _reference(model: KnnSimilarity, sims: np.ndarray) -> np.ndarray:
    out = np.zeros((len(sims), len(model.classes)), dtype=np.float32)
    for c in range(len(model.classes)):
        seg = sims[:, model.bounds[c] : model.bounds[c + 1]]
        top = np.sort(seg, axis=1)[:, ::-1][:, : model.k]
        finite = np.isfinite(top)
        out[:, c] = np.where(finite, top, 0).sum(1) / np.maximum(finite.sum(1), 1)
    return out


def test_vectorised_per_class_topk_matches_a_plain_loop(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(700, 16)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    labels = [f"c{int(i)}" for i in rng.integers(0, 9, 699)] + ["solo"]  # one singleton class
    model = KnnSimilarity(emb, labels, k=3)
    monkeypatch.setattr(knn_mod, "STEP_FLOATS", 5_000)  # several steps of a few rows each
    got = model.transform(emb, exclude_self=True)
    sims = emb @ model.ref.T
    sims[np.arange(len(sims)), model.ref_pos] = -np.inf
    np.testing.assert_allclose(got, _reference(model, sims), atol=1e-6)
    solo = model.classes.index("solo")
    assert got[-1, solo] == 0.0  # its only example is itself, left out
    nearest = KnnSimilarity(emb, labels, k=1).transform(emb[:1])  # not left out: finds itself
    assert nearest.shape == (1, len(model.classes))
    assert np.isclose(nearest[0, model.classes.index(labels[0])], 1.0)
