"""Nightly run: a dated run dir under ``$DATA_DIR/eval/runs/``, gated against the last ACCEPTED
run on the same dataset (``evals.store.last_accepted``), recorded in the database with the
baseline it was compared with, with the trend per metric (``evals.trend``).

With no accepted run on the dataset yet, rules that compare with a baseline (``max_drop``) are
left out and the outcome says so; the run becomes the baseline if the rest of the gate passes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from deskpilot.settings import Settings
from evals.config import build_config
from evals.dataset import load_golden
from evals.gate import GateReport, absolute_only, check_gate, load_gate
from evals.report import write_report
from evals.runner import run_eval
from evals.store import history, last_accepted, record_run
from evals.trend import write_trend

NO_BASELINE = (
    "no accepted run on this dataset yet: max_drop rules not checked; this run is the baseline if it passes"
)


class NightlyOutcome(BaseModel):
    run_id: str = ""
    run_dir: str
    passed: bool | None
    gate: GateReport | None = None
    metrics: dict[str, float | None]
    baseline_run_id: str | None = None
    dataset_hash: str = ""
    notes: list[str] = []


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
    dataset: Path,
    settings: Settings,
    *,
    gate_file: Path | None = None,
    collection: str | None = None,
    trigger: str = "cli",
    **run_kwargs: Any,
) -> NightlyOutcome:
    golden = load_golden(dataset)
    gate = load_gate(gate_file) if gate_file else None
    accepted = last_accepted(golden.hash)
    base_row, baseline = accepted if accepted else (None, None)
    run_dir = dated_run_dir(settings)
    run_dir.mkdir(parents=True)
    past = history(dataset_hash=golden.hash)
    run_kwargs.setdefault("settings", settings)
    config = build_config(settings, collection=collection or settings.eval_nightly_collection)
    results = run_eval(golden, config, run_dir, judge_model=settings.judge_model, **run_kwargs)
    notes: list[str] = []
    report: GateReport | None = None
    if gate is not None:
        if baseline is None:
            notes.append(NO_BASELINE)
            gate = absolute_only(gate)
        report = check_gate(results, gate, baseline)
    passed = report.passed if report else (not results.failed)
    base_id = base_row.run_id if base_row else None
    write_report(results, run_dir / "report.html", gate=report, baseline=baseline, history=past)
    write_trend([*past, (results.run_id, results.metrics)], run_dir)
    # recorded last: a run in eval_runs has its report and trend files
    record_run(results, str(run_dir), passed, baseline_run_id=base_id, trigger=trigger)
    return NightlyOutcome(
        run_id=results.run_id,
        run_dir=str(run_dir),
        passed=passed,
        gate=report,
        metrics=results.metrics,
        baseline_run_id=base_id,
        dataset_hash=golden.hash,
        notes=notes,
    )
