"""``deskpilot eval run | nightly | compare``.

Exit codes: 0 pass, 1 gate failed (each failing metric/slice printed), 2 bad input.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from deskpilot.exceptions import UserInputError

app = typer.Typer(help="Offline evaluation and the deploy gate.", no_args_is_help=True)

HEADLINE = (
    "hit@1",
    "hit@5",
    "mrr@10",
    "context_recall",
    "semantic_similarity",
    "rouge",
    "routing_accuracy",
    "routing_macro_f1",
    "answer_rate",
    "abstention_rate",
    "latency_p50_s",
    "latency_p95_s",
    "cost_usd",
)


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4f}"


def _print_summary(metrics: dict[str, float | None], n: int) -> None:
    typer.echo(f"n={n} " + " ".join(f"{k}={_fmt(metrics.get(k))}" for k in HEADLINE))


def _progress(total: int):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    bar = tqdm(total=total, desc="eval", unit="case", leave=False, disable=None)

    def on_done(rec, cached: bool) -> None:  # type: ignore[no-untyped-def]
        bar.update(1)
        if not rec.ok:
            bar.write(f"case {rec.id} failed: {rec.error}", file=__import__("sys").stderr)

    return bar, on_done


@app.command("run")
def run(
    dataset: Path = typer.Option(..., "--dataset", help="golden set JSONL"),
    collection: str | None = typer.Option(None, "--collection", help="knowledge base (default: settings)"),
    gate: Path | None = typer.Option(None, "--gate", help="gate YAML"),
    baseline: Path | None = typer.Option(None, "--baseline", help="earlier run dir or results.json"),
    out: Path | None = typer.Option(None, "--out", help="run dir (reused = resumed); default dated dir"),
    limit: int | None = typer.Option(None, "--limit", help="first N cases only"),
    concurrency: int | None = typer.Option(None, "--concurrency", help="agent calls in flight"),
) -> None:
    """Offline eval over a golden set: results.json + report.html, then the gate."""
    from deskpilot.settings import get_settings
    from evals.config import build_config
    from evals.dataset import load_golden
    from evals.gate import Gate, check_gate, load_gate
    from evals.nightly import dated_run_dir
    from evals.report import write_report
    from evals.results import load_results
    from evals.runner import run_eval

    if concurrency is not None and not 1 <= concurrency <= 16:
        raise UserInputError("--concurrency must be between 1 and 16")
    golden = load_golden(dataset, limit=limit)
    gate_cfg = load_gate(gate) if gate else Gate()
    base = load_results(baseline) if baseline else None
    if base is not None and base.dataset.hash != golden.hash:
        typer.echo(f"warning: baseline dataset hash {base.dataset.hash} differs from {golden.hash}", err=True)
    config = build_config(collection=collection, concurrency=concurrency)
    run_dir = out or dated_run_dir()
    bar, on_done = _progress(len(golden.cases))
    try:
        results = run_eval(golden, config, run_dir, judge_model=get_settings().judge_model, on_done=on_done)
    finally:
        bar.close()
    report = check_gate(results, gate_cfg, base)
    write_report(results, run_dir / "report.html", gate=report, baseline=base)
    _print_summary(results.metrics, results.n)
    if results.judge.model and not results.judge.meaningful:
        typer.echo(f"note: {results.judge.note}")
    for line in report.lines():
        if line.startswith("FAIL") or gate:
            typer.echo(line)
    typer.echo(f"results: {run_dir / 'results.json'}\nreport: {run_dir / 'report.html'}")
    if not report.passed:
        typer.echo(f"gate FAILED: {', '.join(sorted({v.metric for v in report.failures}))}", err=True)
        raise typer.Exit(1)


@app.command("nightly")
def nightly(
    dataset: Path | None = typer.Option(
        None, "--dataset", help="golden set (default: settings.eval_dataset)"
    ),
    gate: Path | None = typer.Option(None, "--gate", help="gate YAML (default: settings.eval_gate)"),
) -> None:
    """Dated run under $DATA_DIR/eval/runs, recorded in the database, with a trend plot."""
    from deskpilot.settings import get_settings
    from evals.nightly import run_nightly

    s = get_settings()
    outcome = run_nightly(dataset or s.eval_dataset, gate_file=gate or s.eval_gate)
    _print_summary(
        outcome.metrics, int((outcome.metrics.get("n_ok") or 0) + (outcome.metrics.get("n_failed") or 0))
    )
    if outcome.gate is not None:
        for line in outcome.gate.lines():
            typer.echo(line)
    typer.echo(outcome.run_dir)
    if outcome.passed is False:
        raise typer.Exit(1)


@app.command("compare")
def compare(
    run_a: Path = typer.Argument(..., help="run dir or results.json (before)"),
    run_b: Path = typer.Argument(..., help="run dir or results.json (after)"),
    as_json: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Per-metric differences (B − A) with paired bootstrap 95% intervals."""
    from evals.compare import compare_runs
    from evals.results import load_results

    comparison = compare_runs(load_results(run_a), load_results(run_b))
    if as_json:
        typer.echo(json.dumps(comparison.model_dump(mode="json"), indent=2))
    else:
        typer.echo("\n".join(comparison.lines()))
