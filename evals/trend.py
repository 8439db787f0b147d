"""The nightly's trend files in a run dir: ``trend.json`` (the numbers, oldest run first),
``trend.png`` (the 0–1 metrics together) and ``trend_metrics.png`` (one panel per metric, on its
own scale, latency and cost included)."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

from evals.plots import TREND_METRICS, _plt, _png, trend_plot

Points = list[tuple[str, dict[str, float | None]]]
PANEL_METRICS = (*TREND_METRICS, "abstention_rate", "latency_p95_s", "cost_usd")


def per_metric(points: Points, metrics: tuple[str, ...] = PANEL_METRICS) -> dict[str, list[float | None]]:
    """metric → its value per run (None where a run lacks it); metrics no run has are left out."""
    out: dict[str, list[float | None]] = {}
    for name in metrics:
        ys = [m.get(name) for _, m in points]
        if any(y is not None for y in ys):
            out[name] = [None if y is None else float(y) for y in ys]
    return out


def panels_plot(points: Points) -> str:
    series = per_metric(points)
    plt = _plt()
    cols = 3
    rows = max(1, math.ceil(len(series) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.2 * rows), squeeze=False)
    xs = list(range(len(points)))
    labels = [label[-13:] for label, _ in points]
    for ax, (name, ys) in zip(axes.flat, series.items(), strict=False):
        ax.plot(xs, [math.nan if y is None else y for y in ys], marker="o", color="#3b6ea5")
        ax.set_title(name, fontsize=9)
        ax.set_xticks(xs, labels, rotation=30, ha="right", fontsize=6)
        ax.tick_params(axis="y", labelsize=7)
    for ax in list(axes.flat)[len(series) :]:
        ax.axis("off")
    fig.tight_layout()
    return _png(fig)


def write_trend(points: Points, run_dir: Path) -> list[Path]:
    data = {"runs": [label for label, _ in points], "metrics": per_metric(points)}
    files = [run_dir / "trend.json", run_dir / "trend.png", run_dir / "trend_metrics.png"]
    files[0].write_text(json.dumps(data, indent=2), encoding="utf-8")
    files[1].write_bytes(base64.b64decode(trend_plot(points)))
    files[2].write_bytes(base64.b64decode(panels_plot(points)))
    return files
