"""Matplotlib figures as base64 PNG strings (embedded in the HTML report, no files, no CDN)."""

from __future__ import annotations

import base64
import io
from typing import Any

from evals.metrics.routing import Confusion
from evals.records import CaseRecord

DIST_METRICS = ("semantic_similarity", "rouge", "context_recall", "mrr@10", "latency_s")
TREND_METRICS = ("hit@5", "mrr@10", "context_recall", "semantic_similarity", "rouge", "routing_accuracy")


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    _plt().close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def score_distributions(records: list[CaseRecord]) -> str:
    plt = _plt()
    fig, axes = plt.subplots(1, len(DIST_METRICS), figsize=(3.2 * len(DIST_METRICS), 2.6))
    for ax, name in zip(axes, DIST_METRICS, strict=True):
        vals = [v for r in records if (v := r.scores.get(name)) is not None]
        ax.hist(vals, bins=20 if name == "latency_s" else [i / 20 for i in range(21)], color="#3b6ea5")
        ax.set_title(f"{name} (n={len(vals)})", fontsize=9)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return _png(fig)


def confusion_plot(conf: Confusion) -> str:
    plt = _plt()
    size = max(3.0, 0.55 * len(conf.labels) + 1.5)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    ax.imshow(conf.matrix or [[0]], cmap="Blues")
    ax.set_xticks(range(len(conf.labels)), conf.labels, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(conf.labels)), conf.labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("category")
    for i, row in enumerate(conf.matrix):
        for j, v in enumerate(row):
            if v:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=7)
    fig.tight_layout()
    return _png(fig)


def trend_plot(history: list[tuple[str, dict[str, float | None]]]) -> str:
    """``history``: (run label, metrics) oldest first, the current run last."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3))
    xs = list(range(len(history)))
    for name in TREND_METRICS:
        ys = [m.get(name) for _, m in history]
        if any(y is not None for y in ys):
            ax.plot(xs, [float("nan") if y is None else y for y in ys], marker="o", label=name)
    ax.set_xticks(xs, [label[-16:] for label, _ in history], rotation=30, ha="right", fontsize=7)
    ax.set_ylim(0, 1.05)
    ax.set_title("trend across runs", fontsize=9)
    ax.legend(fontsize=7, loc="lower left", ncol=3)
    fig.tight_layout()
    return _png(fig)
