"""Classification metrics used by training, ``triage eval`` and the benchmark."""

from __future__ import annotations

import numpy as np


def ece(confidences: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error with equal-width confidence bins."""
    conf = np.asarray(confidences, dtype=float)
    ok = np.asarray(correct, dtype=float)
    if conf.size == 0:
        return 0.0
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = idx == b
        if mask.any():
            total += mask.mean() * abs(ok[mask].mean() - conf[mask].mean())
    return float(total)


def threshold_for_precision(confidences: np.ndarray, correct: np.ndarray, target: float) -> float:
    """Lowest threshold whose answered set (confidence ≥ t) has precision ≥ ``target``.

    Scans thresholds from high to low confidence and keeps the lowest one at which the
    precision of everything above it still meets the target. Returns 1.0 (answer nothing
    automatically) when even the most confident predictions miss the target.
    """
    conf = np.asarray(confidences, dtype=float)
    ok = np.asarray(correct, dtype=float)
    if conf.size == 0:
        return 1.0
    order = np.argsort(-conf, kind="stable")
    cum_prec = np.cumsum(ok[order]) / np.arange(1, conf.size + 1)
    good = np.nonzero(cum_prec >= target)[0]
    if good.size == 0:
        return 1.0
    last = int(good.max())
    return float(conf[order][last])


def coverage_at_precision(confidences: np.ndarray, correct: np.ndarray, target: float) -> float:
    """Largest share of tickets that can be answered automatically at precision ≥ ``target``."""
    conf = np.asarray(confidences, dtype=float)
    if conf.size == 0:
        return 0.0
    t = threshold_for_precision(conf, correct, target)
    ok = np.asarray(correct, dtype=float)
    answered = conf >= t
    if not answered.any() or ok[answered].mean() < target:
        return 0.0
    return float(answered.mean())


def classification_report(
    y_true: list[str], y_pred: list[str], confidences: np.ndarray, threshold: float, labels: list[str]
) -> dict[str, object]:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    correct = np.array([a == b for a, b in zip(y_true, y_pred, strict=True)])
    conf = np.asarray(confidences, dtype=float)
    answered = conf >= threshold
    all_labels = sorted(set(labels) | set(y_true))
    return {
        "n": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)) if y_true else 0.0,
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)) if y_true else 0.0,
        "ece": ece(conf, correct),
        "coverage": float(answered.mean()) if y_true else 0.0,
        "precision_at_threshold": float(correct[answered].mean()) if answered.any() else 0.0,
        "labels": all_labels,
        "confusion": confusion_matrix(y_true, y_pred, labels=all_labels).tolist() if y_true else [],
    }
