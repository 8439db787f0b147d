"""``deskpilot eval run | nightly | compare | audit-sheet | audit-merge | audit-check``.

Exit codes: 0 pass, 1 gate failed (each failing metric/slice printed), 2 bad input.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    "complete_rate",
    "correct_rate",
    "wrong_rate",
    "n_labelled",
    "n_stale",
    "latency_p50_s",
    "latency_p95_s",
    "cost_usd",
    "cost_per_answer_usd",
)


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4f}"


def _print_summary(metrics: dict[str, float | None], n: int) -> None:
    typer.echo(f"n={n} " + " ".join(f"{k}={_fmt(metrics.get(k))}" for k in HEADLINE))


def _progress(total: int) -> tuple[Any, Callable[[Any, bool], None]]:
    from tqdm import tqdm

    bar = tqdm(total=total, desc="eval", unit="case", leave=False, disable=None)

    def on_done(rec: Any, cached: bool) -> None:
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
    no_baseline: bool = typer.Option(
        False, "--no-baseline", help="check the gate's absolute limits only (its max_drop rules are skipped)"
    ),
    out: Path | None = typer.Option(None, "--out", help="run dir (reused = resumed); default dated dir"),
    limit: int | None = typer.Option(None, "--limit", help="first N cases only"),
    concurrency: int | None = typer.Option(None, "--concurrency", help="agent calls in flight"),
    audit: list[Path] | None = typer.Option(
        None, "--audit", help="audit label file(s) (default: every evals/audits/*.jsonl)"
    ),
) -> None:
    """Offline eval over a golden set: results.json + report.html, then the gate."""
    from deskpilot.settings import get_settings
    from evals.config import build_config
    from evals.dataset import load_golden
    from evals.gate import Gate, absolute_only, check_gate, load_gate, require_baseline
    from evals.nightly import dated_run_dir
    from evals.report import write_report
    from evals.results import load_results
    from evals.runner import run_eval

    if concurrency is not None and not 1 <= concurrency <= 16:
        raise UserInputError("--concurrency must be between 1 and 16")
    golden = load_golden(dataset, limit=limit)
    gate_cfg = load_gate(gate) if gate else Gate()
    if no_baseline and baseline:
        raise UserInputError("give --baseline or --no-baseline, not both")
    gate_cfg = absolute_only(gate_cfg) if no_baseline else gate_cfg
    base = load_results(baseline) if baseline else None
    require_baseline(gate_cfg, base)  # before the run: a regression rule never passes for want of a baseline
    if base is not None and base.dataset.hash != golden.hash:
        typer.echo(f"warning: baseline dataset hash {base.dataset.hash} differs from {golden.hash}", err=True)
    settings = get_settings()
    config = build_config(settings, collection=collection, concurrency=concurrency)
    run_dir = out or dated_run_dir(settings)
    bar, on_done = _progress(len(golden.cases))
    try:
        results = run_eval(
            golden,
            config,
            run_dir,
            settings=settings,
            judge_model=settings.judge_model,
            on_done=on_done,
            audit_files=list(audit) if audit else None,
        )
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
    outcome = run_nightly(dataset or s.eval_dataset, s, gate_file=gate or s.eval_gate)
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


def _audit_files(paths: list[Path] | None) -> list[Path]:
    from evals.audit import AUDITS_DIR

    return list(paths) if paths else sorted(AUDITS_DIR.glob("*.jsonl"))


@app.command("audit-sheet")
def audit_sheet(
    run_dir: Path = typer.Argument(..., help="run dir or results.json"),
    out: Path = typer.Option(
        ..., "--out", help="labelling sheet to write (JSONL); a .md twin is written too"
    ),
    split: str | None = typer.Option(None, "--split", help="tune | heldout: only that split"),
    audit: list[Path] | None = typer.Option(
        None, "--audit", help="labels to pre-fill (default: evals/audits)"
    ),
    unlabelled: bool = typer.Option(False, "--unlabelled", help="only answers without a matching label"),
    limit: int | None = typer.Option(None, "--limit", help="at most N rows, spread over answer modes"),
) -> None:
    """A labelling sheet from a run: question, reference, answer, cited passages, hash, current label."""
    from evals.audit import load_audits
    from evals.audit_sheet import dump_sheet, sheet_markdown, sheet_rows, spread
    from evals.results import load_results

    if split not in (None, "tune", "heldout"):
        raise UserInputError("--split must be 'tune' or 'heldout'")
    if limit is not None and limit < 1:
        raise UserInputError("--limit must be at least 1")
    results = load_results(run_dir)
    rows = sheet_rows(results, load_audits(_audit_files(audit)), split=split, unlabelled_only=unlabelled)
    if limit is not None:
        rows = spread(rows, limit)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dump_sheet(rows), encoding="utf-8")
    out.with_suffix(".md").write_text(sheet_markdown(rows), encoding="utf-8")
    status = {s: sum(r["label_status"] == s for r in rows) for s in ("matched", "stale", "none")}
    typer.echo(
        f"{len(rows)} rows ({status['matched']} labelled, {status['stale']} stale, {status['none']} unlabelled)"
        f" -> {out} (+ {out.with_suffix('.md')}); fill verdict/reason/labeller, then: "
        f"deskpilot eval audit-merge {out} --into evals/audits/<name>.jsonl"
    )


@app.command("audit-merge")
def audit_merge(
    sheet: Path = typer.Argument(..., help="a filled labelling sheet (JSONL)"),
    into: Path = typer.Option(..., "--into", help="audit file to create or update"),
    labeller: str | None = typer.Option(None, "--labeller", help="for rows without a labeller"),
) -> None:
    """Merge a filled sheet's labels into an audit file (same answer → the label is replaced)."""
    from evals.audit import dump_labels, load_audit
    from evals.audit_sheet import merge_sheet

    if not sheet.is_file():
        raise UserInputError(f"sheet not found: {sheet}")
    existing = load_audit(into) if into.exists() else []
    labels, changed, skipped = merge_sheet(
        sheet.read_text(encoding="utf-8"), existing, source=sheet.name, labeller=labeller
    )
    into.parent.mkdir(parents=True, exist_ok=True)
    into.write_text(dump_labels(labels), encoding="utf-8")
    typer.echo(f"{into}: {len(labels)} labels ({changed} added or changed, {skipped} rows without a verdict)")


@app.command("audit-check")
def audit_check(
    audit: list[Path] = typer.Argument(..., help="audit label file(s)"),
    run: Path | None = typer.Option(None, "--run", help="run dir: match labels to its answers"),
    write: bool = typer.Option(False, "--write", help="rewrite the run's results.json and report.html"),
) -> None:
    """Validate audit labels; with --run, show matched/stale labels, audit rates and proxy agreement."""
    from evals.audit import load_audits
    from evals.relabel import relabel
    from evals.report import write_report
    from evals.results import load_results, resolve_results_path

    labels = load_audits(audit)
    typer.echo(f"{len(labels)} valid labels in {len(audit)} file(s)")
    if run is None:
        return
    results = relabel(load_results(run), labels, audit)
    m = results.metrics
    stale = [r.id for r in results.per_case if r.label_status == "stale"]
    typer.echo(
        f"matched {_n(m.get('n_labelled'))} (held-out {_n(m.get('n_labelled_heldout'))}), stale {len(stale)}, "
        f"proxy-scored {_n(m.get('n_proxy'))}"
    )
    if stale:
        typer.echo(
            "stale (answer changed, re-label): " + ", ".join(stale[:20]) + (" ..." if len(stale) > 20 else "")
        )
    for prefix, what in (
        ("audit_", "labelled"),
        ("audit_heldout_", "held-out labelled"),
        ("", "all (labels+proxy)"),
    ):
        typer.echo(
            f"{what}: complete_rate={_fmt(m.get(prefix + 'complete_rate'))} "
            f"correct_rate={_fmt(m.get(prefix + 'correct_rate'))} wrong_rate={_fmt(m.get(prefix + 'wrong_rate'))}"
        )
    for scope, report in (("", results.proxy_agreement), (" (held-out)", results.proxy_agreement_heldout)):
        for d in report.detectors if report else []:
            typer.echo(
                f"agreement{scope} {d['proxy']} -> {d['target']}: n={d['n']} "
                f"precision={_fmt(_f(d['precision']))} recall={_fmt(_f(d['recall']))}"
            )
    if write:
        path = resolve_results_path(run)
        results.save(path.parent)
        write_report(results, path.parent / "report.html")
        typer.echo(f"updated {path}")


def _n(v: float | None) -> str:
    return "0" if v is None else str(int(v))


def _f(v: object) -> float | None:
    return None if v is None else float(v)  # type: ignore[arg-type]
