"""Nightly run: a dated run dir under ``$DATA_DIR/eval/runs/``, gate, DB record, trend plot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from deskpilot.settings import Settings
from evals.config import build_config
from evals.dataset import load_golden
from evals.gate import GateReport, check_gate, load_gate
from evals.report import write_report
from evals.runner import run_eval
from evals.store import history, record_run


class NightlyOutcome(BaseModel):
    run_dir: str
    passed: bool | None
    gate: GateReport | None = None
    metrics: dict[str, float | None]


def runs_root(settings: Settings) -> Path:
    return settings.data_dir / "eval" / "runs"


def dated_run_dir(settings: Settings, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    path = runs_root(settings) / stamp
    suffix = 1
    while path.exists():
        suffix += 1
        path = runs_root(settings) / f"{stamp}-{suffix}"
    return path


def run_nightly(
    dataset: Path, settings: Settings, *, gate_file: Path | None = None, **run_kwargs: Any
) -> NightlyOutcome:
    golden = load_golden(dataset)
    gate = load_gate(gate_file) if gate_file else None
    run_dir = dated_run_dir(settings)
    run_dir.mkdir(parents=True)
    past = history(golden.path)
    run_kwargs.setdefault("settings", settings)
    config = build_config(settings)
    results = run_eval(golden, config, run_dir, judge_model=settings.judge_model, **run_kwargs)
    report: GateReport | None = check_gate(results, gate) if gate else None
    passed = report.passed if report else (not results.failed)
    record_run(results, str(run_dir), passed)
    write_report(results, run_dir / "report.html", gate=report, history=past)
    _trend_png([*past, (results.run_id, results.metrics)], run_dir / "trend.png")
    return NightlyOutcome(run_dir=str(run_dir), passed=passed, gate=report, metrics=results.metrics)


def _trend_png(points: list[tuple[str, dict[str, float | None]]], out: Path) -> None:
    import base64

    from evals.plots import trend_plot

    out.write_bytes(base64.b64decode(trend_plot(points)))
