"""Per-case scoring and aggregation into ``metrics`` and per-category ``slices``.

Answer metrics average over cases expected to be answered; retrieval metrics over those with
reference contexts; routing and rates over all successful cases. Failed cases score nothing
and are counted in ``n_failed`` (which fails the gate); ``n`` is always the dataset size.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from typing import Any

from evals.embeddings import LocalRagasEmbeddings
from evals.metrics.answer import AnswerScorer
from evals.metrics.cost import cost_metrics
from evals.metrics.retrieval import ContextScorer, rank_scores
from evals.metrics.routing import routing_correct, routing_metrics
from evals.metrics.verdicts import LOWER_IS_BETTER, correctness_metrics
from evals.records import CaseRecord

RETRIEVAL = ("hit@1", "hit@5", "mrr@10", "context_recall", "context_precision")
ANSWER = ("semantic_similarity", "rouge", "bleu", "string_similarity")
HIGHER_IS_BETTER_EXCEPT = frozenset(
    {
        "latency_p50_s",
        "latency_p95_s",
        "latency_mean_s",
        "cost_usd",
        "cost_per_answer_usd",
        "tokens_per_answer",
        "cost_per_resolved_ticket_usd",
        "cost_per_escalation_avoided_usd",
        "n_failed",
        "n_missing",
        "false_abstention_rate",
        "escalation_rate",
        *LOWER_IS_BETTER,
    }
)


async def _score_all(records: list[CaseRecord], answer: AnswerScorer, judge: Any) -> None:
    context = ContextScorer()
    answer.prime([r for r in records if r.ok])
    for rec in records:
        if not rec.ok:
            rec.scores = {}
            continue
        scores: dict[str, float | None] = {
            "routing_correct": routing_correct(rec),
            "latency_s": rec.latency_s,
        }
        if rec.expected_behavior == "answer":
            if rec.reference_contexts:
                scores.update(rank_scores(rec))
                scores.update(await context.score(rec))
            scores.update(await answer.score(rec))
            if judge is not None:
                scores.update(await judge.score(rec))
        rec.scores = scores


def score_records(
    records: list[CaseRecord], embeddings: LocalRagasEmbeddings | None = None, judge: Any = None
) -> list[CaseRecord]:
    """Fill ``rec.scores`` for every successful record (in place; also returned)."""
    asyncio.run(_score_all(records, AnswerScorer(embeddings or LocalRagasEmbeddings()), judge))
    return records


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), ``q`` in [0, 100]."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _mean_of(records: list[CaseRecord], name: str) -> float | None:
    vals = [v for r in records if (v := r.scores.get(name)) is not None and not math.isnan(v)]
    return sum(vals) / len(vals) if vals else None


def summarize(records: list[CaseRecord], n_expected: int | None = None) -> dict[str, float | None]:
    ok = [r for r in records if r.ok]
    n = n_expected if n_expected is not None else len(records)
    metrics: dict[str, float | None] = {}
    for name in (*RETRIEVAL, *ANSWER):
        metrics[name] = _mean_of(ok, name)
    judge_names = sorted(
        {k for r in ok for k in r.scores}
        - set(RETRIEVAL)
        - set(ANSWER)
        - {"routing_correct", "latency_s", "first_hit_rank"}
    )
    for name in judge_names:
        metrics[name] = _mean_of(ok, name)
    metrics.update(routing_metrics(records))
    metrics.update(correctness_metrics(records))
    latencies = [r.latency_s for r in ok]
    metrics["latency_p50_s"] = percentile(latencies, 50)
    metrics["latency_p95_s"] = percentile(latencies, 95)
    metrics["latency_mean_s"] = sum(latencies) / len(latencies) if latencies else None
    metrics["cost_usd"] = round(sum(r.cost_usd for r in ok), 6)
    metrics["tokens_total"] = float(sum(r.prompt_tokens + r.completion_tokens for r in ok))
    metrics.update(cost_metrics(records))
    metrics["n_ok"] = float(len(ok))
    metrics["n_failed"] = float(sum(1 for r in records if not r.ok))
    metrics["n_missing"] = float(max(0, n - len(records)))
    return metrics


def slices(records: list[CaseRecord]) -> dict[str, dict[str, float | None]]:
    groups: dict[str, list[CaseRecord]] = defaultdict(list)
    for r in records:
        groups[r.category].append(r)
    return {cat: {"n": float(len(rs)), **summarize(rs)} for cat, rs in sorted(groups.items())}
