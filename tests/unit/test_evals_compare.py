"""Paired bootstrap comparison of two runs."""

import numpy as np

from evals.compare import compare_runs, paired_bootstrap
from evals.results import load_results
from tests.fixtures.evals.support import RESULTS


def test_identical_runs_have_zero_difference() -> None:
    a = load_results(RESULTS)
    comp = compare_runs(a, a)
    assert comp.n_pairs == a.n
    sim = next(d for d in comp.paired if d.metric == "semantic_similarity")
    assert sim.diff == 0 and sim.ci_low == 0 and sim.ci_high == 0 and not sim.significant


def test_shifted_scores_give_a_significant_interval_and_are_seeded() -> None:
    a = load_results(RESULTS)
    b = a.model_copy(deep=True, update={"run_id": "b"})
    for rec in b.per_case:
        if rec.scores.get("rouge") is not None:
            rec.scores["rouge"] = (rec.scores["rouge"] or 0) - 0.2
    comp = compare_runs(a, b)
    rouge = next(d for d in comp.paired if d.metric == "rouge")
    assert abs((rouge.diff or 0) + 0.2) < 1e-9 and rouge.significant
    assert compare_runs(a, b).model_dump() == comp.model_dump()
    assert any("rouge" in line and "*" in line for line in comp.lines())


def test_paired_bootstrap_interval_contains_the_mean() -> None:
    rng = np.random.default_rng(0)
    x = rng.random(50)
    y = x + rng.normal(0.1, 0.05, 50)
    diff, lo, hi = paired_bootstrap(x, y)
    assert lo < diff < hi and abs(diff - float((y - x).mean())) < 1e-12 and lo > 0
