"""Temperature scaling: one scalar fitted on validation logits so confidences match accuracy."""

from __future__ import annotations

import numpy as np


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64) / max(temperature, 1e-6)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def nll(logits: np.ndarray, y: np.ndarray, temperature: float) -> float:
    p = softmax(logits, temperature)
    return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature minimising validation NLL (bounded scalar search; deterministic)."""
    from scipy.optimize import minimize_scalar

    if len(y) == 0:
        return 1.0
    res = minimize_scalar(
        lambda log_t: nll(logits, y, float(np.exp(log_t))), bounds=(-4.0, 4.0), method="bounded"
    )
    return float(np.exp(res.x))
