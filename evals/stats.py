"""Paired statistics over two eval runs: the deploy gate's regression test and ``eval compare``.

Cases are paired by id (successful in both runs). For a metric of the gate, the candidate's
**drop** is oriented so that positive is worse (for lower-is-better metrics a rise is the drop),
and its one-sided p-value answers "is the candidate worse than the baseline?":

- **Exact McNemar** when the metric is the mean of a per-case 0/1 score (hit@k, routing_correct):
  only discordant pairs count; ``p = P(X >= worse)`` for ``X ~ Binomial(worse + better, 1/2)``.
- **Paired bootstrap of the mean** when the per-case score is continuous (semantic similarity,
  rouge): case ids resampled with replacement, ``p`` = share of resamples with no drop.
- **Paired bootstrap of the statistic** for aggregates that are not a per-case mean (rates over
  verdicts and behaviours, latency percentiles, cost): the whole metric is recomputed
  (``evals.metrics.aggregate.summarize``) on each resample of the paired records.

Every test also gives a 95% percentile interval for ``candidate - baseline``. Resampling is
seeded: the same two runs always give the same p and interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel

from evals.records import CaseRecord

SEED = 20240607
RESAMPLES = 2000
STATISTIC_RESAMPLES = 400  # each resample recomputes every aggregate: kept cheaper

Test = Literal["mcnemar", "bootstrap_mean", "bootstrap_statistic", "none"]


class PairedDiff(BaseModel):
    """Baseline -> candidate for one metric over the paired cases."""

    metric: str
    test: Test
    n_pairs: int
    base: float | None
    cand: float | None
    drop: float | None = None  # positive = worse, in the metric's own units
    ci_low: float | None = None  # 95% interval of cand - base
    ci_high: float | None = None
    p: float | None = None  # one-sided: candidate worse than baseline
    worse: int = 0  # McNemar discordant pairs, worse / better in the candidate
    better: int = 0


def paired_bootstrap(
    a: np.ndarray, b: np.ndarray, *, seed: int = SEED, resamples: int = RESAMPLES
) -> tuple[float, float, float]:
    """(mean diff, 2.5th, 97.5th percentile) of mean(b - a) over resampled pairs."""
    means = _resampled_means(b - a, seed=seed, resamples=resamples)
    return float((b - a).mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def _resampled_means(d: np.ndarray, *, seed: int, resamples: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(d), size=(resamples, len(d)))
    return np.asarray(d[idx].mean(axis=1))


def mcnemar_p(worse: int, better: int) -> float:
    """Exact one-sided McNemar: P(X >= worse), X ~ Binomial(worse + better, 1/2)."""
    n = worse + better
    if n == 0:
        return 1.0
    return float(sum(math.comb(n, k) for k in range(worse, n + 1)) / 2**n)


def _no_drop_share(diffs: np.ndarray, sign: float) -> float:
    """One-sided bootstrap p: the share of resampled differences that show no drop (+1 smoothing)."""
    return float((1 + int(np.sum(sign * diffs >= 0))) / (len(diffs) + 1))


def pair(base: Sequence[CaseRecord], cand: Sequence[CaseRecord]) -> tuple[list[CaseRecord], list[CaseRecord]]:
    """The records of ids successful in both runs, in the same (sorted id) order."""
    a = {r.id: r for r in base if r.ok}
    b = {r.id: r for r in cand if r.ok}
    ids = sorted(a.keys() & b.keys())
    return [a[i] for i in ids], [b[i] for i in ids]


def per_case_diff(
    metric: str, base: list[CaseRecord], cand: list[CaseRecord], *, lower_is_better: bool, seed: int = SEED
) -> PairedDiff | None:
    """McNemar or bootstrap-of-mean over a per-case score; None when the metric has no per-case score."""
    pairs = [
        (x, y)
        for ra, rb in zip(base, cand, strict=True)
        if (x := ra.scores.get(metric)) is not None
        and (y := rb.scores.get(metric)) is not None
        and not (math.isnan(x) or math.isnan(y))
    ]
    if not pairs:
        return None
    xa = np.array([x for x, _ in pairs], dtype=float)
    xb = np.array([y for _, y in pairs], dtype=float)
    sign = -1.0 if lower_is_better else 1.0  # drop = sign * (base - cand)
    means = _resampled_means(xb - xa, seed=seed, resamples=RESAMPLES)  # one resampling: interval and p
    diff, lo, hi = (
        float((xb - xa).mean()),
        float(np.percentile(means, 2.5)),
        float(np.percentile(means, 97.5)),
    )
    out = PairedDiff(
        metric=metric,
        test="bootstrap_mean",
        n_pairs=len(pairs),
        base=float(xa.mean()),
        cand=float(xb.mean()),
        drop=-sign * diff,
        ci_low=lo,
        ci_high=hi,
    )
    if set(np.unique(np.concatenate([xa, xb]))) <= {0.0, 1.0}:
        worse = int(np.sum(sign * (xa - xb) > 0))
        better = int(np.sum(sign * (xa - xb) < 0))
        out.test, out.worse, out.better, out.p = "mcnemar", worse, better, mcnemar_p(worse, better)
    else:
        out.p = _no_drop_share(means, sign)
    return out


def statistic_diffs(
    metrics: Sequence[str],
    base: list[CaseRecord],
    cand: list[CaseRecord],
    *,
    lower_is_better: frozenset[str],
    seed: int = SEED,
    resamples: int = STATISTIC_RESAMPLES,
) -> dict[str, PairedDiff]:
    """Paired bootstrap of whole aggregates (one resample of ids feeds every metric)."""
    from evals.metrics.aggregate import summarize

    if not base or not metrics:
        return {}
    full_a, full_b = summarize(base), summarize(cand)
    rng = np.random.default_rng(seed)
    n = len(base)
    samples: dict[str, list[float]] = {m: [] for m in metrics}
    for _ in range(resamples):
        idx = rng.integers(0, n, size=n)
        sa, sb = summarize([base[i] for i in idx]), summarize([cand[i] for i in idx])
        for m in metrics:
            va, vb = sa.get(m), sb.get(m)
            if va is not None and vb is not None:
                samples[m].append(vb - va)
    out: dict[str, PairedDiff] = {}
    for m in metrics:
        va, vb = full_a.get(m), full_b.get(m)
        if va is None or vb is None or not samples[m]:
            continue
        diffs = np.array(samples[m])
        sign = -1.0 if m in lower_is_better else 1.0
        out[m] = PairedDiff(
            metric=m,
            test="bootstrap_statistic",
            n_pairs=n,
            base=va,
            cand=vb,
            drop=sign * (va - vb),
            ci_low=float(np.percentile(diffs, 2.5)),
            ci_high=float(np.percentile(diffs, 97.5)),
            p=_no_drop_share(diffs, sign),
        )
    return out
