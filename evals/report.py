"""``report.html``: gate verdicts, summary, slices, worst cases and embedded plots."""

from __future__ import annotations

from pathlib import Path

from evals.gate import GateReport
from evals.results import EvalResults

SLICE_COLS = (
    "n",
    "hit@5",
    "mrr@10",
    "context_recall",
    "semantic_similarity",
    "rouge",
    "routing_accuracy",
    "answer_rate",
    "abstention_rate",
    "complete_rate",
    "wrong_rate",
    "latency_p95_s",
    "n_failed",
)
WORST = 10
CORRECTNESS_ROWS = (
    ("all cases (label where it matches, else proxy)", ""),
    ("labelled cases only", "audit_"),
    ("held-out labelled cases only", "audit_heldout_"),
    ("proxy verdict on every case", "proxy_"),
)


def _fmt(v: float | None) -> str:
    if v is None:
        return "n/a"
    return str(int(v)) if float(v).is_integer() and abs(v) >= 1 else f"{v:.4f}"


def _diff(v: float | None, b: float | None) -> str:
    return "n/a" if v is None or b is None else f"{v - b:+.4f}"


def render_report(
    results: EvalResults,
    *,
    gate: GateReport | None = None,
    baseline: EvalResults | None = None,
    history: list[tuple[str, dict[str, float | None]]] | None = None,
) -> str:
    from jinja2 import Environment, select_autoescape

    from evals.metrics.routing import Confusion
    from evals.plots import confusion_plot, score_distributions, trend_plot
    from evals.report_template import TEMPLATE

    ok = [c for c in results.per_case if c.ok]
    scored = [c for c in ok if c.scores.get("semantic_similarity") is not None]
    worst = sorted(scored, key=lambda c: c.scores.get("semantic_similarity") or 0.0)[:WORST]
    flagged = [c for c in ok if c.verdict in ("wrong", "incomplete")]
    flagged.sort(key=lambda c: (c.verdict != "wrong", c.verdict_source != "label", c.id))
    trend = [*(history or []), (results.run_id, results.metrics)]
    plots = {
        "dist": score_distributions(ok),
        "confusion": confusion_plot(results.confusion or Confusion(labels=[], matrix=[])),
        "trend": trend_plot(trend),
    }
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    template = env.from_string(TEMPLATE)
    return template.render(
        r=results,
        gate=gate,
        baseline=baseline.metrics if baseline else None,
        metrics=sorted(results.metrics.items()),
        prompts=", ".join(f"{k}@v{v}" for k, v in results.prompt_versions.items()),
        plots=plots,
        slice_cols=SLICE_COLS,
        failed=results.failed,
        worst=worst,
        flagged=flagged[: WORST * 2],
        correctness_rows=CORRECTNESS_ROWS,
        agreement=results.proxy_agreement,
        agreement_heldout=results.proxy_agreement_heldout,
        fmt=_fmt,
        diff=_diff,
    )


def write_report(
    results: EvalResults,
    out: Path,
    *,
    gate: GateReport | None = None,
    baseline: EvalResults | None = None,
    history: list[tuple[str, dict[str, float | None]]] | None = None,
) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(results, gate=gate, baseline=baseline, history=history), encoding="utf-8")
    return out
