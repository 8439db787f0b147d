"""The knn block: per-class nearest-neighbour similarities, leave-one-out on training rows."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from triage.data import load_labeled
from triage.features import FeatureBuilder, FeatureConfig
from triage.knn import KnnSimilarity
from triage.train import SingletonLabelWarning, TrainConfig, train_model

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "triage"


def _unit_rows(n: int, dim: int = 8, seed: int = 0) -> np.ndarray:
    e = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def _brute(sims: np.ndarray, labels: np.ndarray, cls: str, k: int) -> np.ndarray:
    seg = np.sort(sims[:, labels == cls], axis=1)[:, ::-1][:, :k]
    finite = np.isfinite(seg)
    return np.where(finite, seg, 0).sum(1) / np.maximum(finite.sum(1), 1)


def test_matches_brute_force_with_and_without_self() -> None:
    emb = _unit_rows(20)
    labels = ["b"] * 9 + ["a"] * 10 + ["c"]  # unsorted labels, one singleton
    y = np.array(labels)
    knn = KnnSimilarity(emb, labels, k=3)
    sims = emb @ emb.T
    loo = sims.copy()
    np.fill_diagonal(loo, -np.inf)
    for exclude, ref in ((False, sims), (True, loo)):
        out = knn.transform(emb, exclude_self=exclude)
        for c, cls in enumerate(knn.classes):
            np.testing.assert_allclose(out[:, c], _brute(ref, y, cls, 3), atol=1e-5)
    # left out, the singleton has no neighbour of its own class: 0, not its self-match 1.0
    assert knn.transform(emb, exclude_self=True)[19, 2] == 0.0
    assert abs(knn.transform(emb)[19, 2] - 1.0) < 1e-5


def test_feature_block_adds_one_column_per_class() -> None:
    emb = _unit_rows(12, seed=1)
    texts = [f"ticket number {i}" for i in range(12)]
    labels = ["x", "y", "z"] * 4
    on = FeatureBuilder(FeatureConfig(char=False)).fit(texts, embeddings=emb, labels=labels)
    off = FeatureBuilder(FeatureConfig(char=False, knn=False)).fit(texts, embeddings=emb, labels=labels)
    x_on = on.transform(texts, embeddings=emb, training=True)
    x_off = off.transform(texts, embeddings=emb)
    assert x_on.shape[1] == x_off.shape[1] + 3
    assert "knn" in FeatureConfig().names() and "knn" not in FeatureConfig(knn=False).names()


def test_training_with_knn_is_deterministic_and_learns() -> None:
    data = load_labeled(FIX / "tickets.csv")
    # embeddings that carry the label (plus noise), so the knn block is informative
    classes = sorted(set(data.labels))
    base = _unit_rows(len(classes), dim=16, seed=2)
    noise = np.random.default_rng(3).normal(scale=0.3, size=(len(data.labels), 16))
    emb = np.array([base[classes.index(y)] for y in data.labels]) + noise
    emb = (emb / np.linalg.norm(emb, axis=1, keepdims=True)).astype(np.float32)
    cfg = TrainConfig(features=FeatureConfig(word=False, char=False), validation_size=0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingletonLabelWarning)
        (m1, r1), (m2, _) = (train_model(data, cfg, embeddings=emb) for _ in range(2))
    assert "knn" in r1.features
    p1 = m1.proba(m1.matrix(data.texts, embeddings=emb))
    np.testing.assert_array_equal(p1, m2.proba(m2.matrix(data.texts, embeddings=emb)))
    acc = float(np.mean(np.array(m1.labels)[p1.argmax(1)] == np.array(data.labels)))
    assert acc > 0.8
