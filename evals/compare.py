"""``eval compare A B``: per-metric differences (B − A) with paired bootstrap 95% intervals.

Cases are paired by id (only ids present and successful in both runs). For each per-case
score the mean difference is bootstrapped by resampling case ids with replacement (seeded, so
the same runs always give the same interval). Aggregate-only metrics (macro-F1, percentiles,
cost) are reported as plain differences.
"""

from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel

from evals.results import EvalResults
from evals.stats import SEED, paired_bootstrap


class MetricDiff(BaseModel):
    metric: str
    a: float | None
    b: float | None
    diff: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n_pairs: int = 0

    @property
    def significant(self) -> bool:
        return self.ci_low is not None and self.ci_high is not None and (self.ci_low > 0 or self.ci_high < 0)


class Comparison(BaseModel):
    run_a: str
    run_b: str
    n_pairs: int
    paired: list[MetricDiff]
    aggregate: list[MetricDiff]

    def lines(self) -> list[str]:
        out = [
            f"compare {self.run_a} -> {self.run_b}: {self.n_pairs} paired cases (B - A, 95% paired bootstrap)"
        ]
        for d in self.paired:
            mark = " *" if d.significant else ""
            out.append(
                f"  {d.metric:<22} {_f(d.a)} -> {_f(d.b)}  diff {_f(d.diff, sign=True)} "
                f"[{_f(d.ci_low, sign=True)}, {_f(d.ci_high, sign=True)}] n={d.n_pairs}{mark}"
            )
        for d in self.aggregate:
            out.append(f"  {d.metric:<22} {_f(d.a)} -> {_f(d.b)}  diff {_f(d.diff, sign=True)} (aggregate)")
        return out


def _f(x: float | None, *, sign: bool = False) -> str:
    if x is None:
        return "n/a"
    return f"{x:+.4f}" if sign else f"{x:.4f}"


def compare_runs(a: EvalResults, b: EvalResults, *, seed: int = SEED) -> Comparison:
    rows_a = {r.id: r for r in a.per_case if r.ok}
    rows_b = {r.id: r for r in b.per_case if r.ok}
    ids = sorted(rows_a.keys() & rows_b.keys())
    names = sorted(
        {k for i in ids for k in rows_a[i].scores}
        & {k for i in ids for k in rows_b[i].scores} - {"first_hit_rank"}
    )
    paired: list[MetricDiff] = []
    for name in names:
        pairs = [(rows_a[i].scores.get(name), rows_b[i].scores.get(name)) for i in ids]
        good = [
            (x, y)
            for x, y in pairs
            if x is not None and y is not None and not (math.isnan(x) or math.isnan(y))
        ]
        if not good:
            continue
        xa = np.array([x for x, _ in good], dtype=float)
        xb = np.array([y for _, y in good], dtype=float)
        diff, lo, hi = paired_bootstrap(xa, xb, seed=seed)
        paired.append(
            MetricDiff(
                metric=name,
                a=float(xa.mean()),
                b=float(xb.mean()),
                diff=diff,
                ci_low=lo,
                ci_high=hi,
                n_pairs=len(good),
            )
        )
    per_case_names = {d.metric for d in paired}
    aggregate: list[MetricDiff] = []
    for name in sorted((a.metrics.keys() | b.metrics.keys()) - per_case_names):
        va, vb = a.metrics.get(name), b.metrics.get(name)
        aggregate.append(
            MetricDiff(metric=name, a=va, b=vb, diff=None if va is None or vb is None else vb - va)
        )
    return Comparison(run_a=a.run_id, run_b=b.run_id, n_pairs=len(ids), paired=paired, aggregate=aggregate)
