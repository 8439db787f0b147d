"""Inter-labeller agreement (evals.metrics.labellers): kappa on known cases, pairing by answer hash."""

from __future__ import annotations

import math

import pytest

from evals.audit import AuditLabel
from evals.metrics.labellers import cohen_kappa, labeller_agreement


def _lab(case: str, verdict: str, digest: str = "a", who: str = "x") -> AuditLabel:
    return AuditLabel(
        case_id=case,
        answer_sha256=digest * 64,
        verdict=verdict,
        split="heldout",
        labeller=who,  # type: ignore[arg-type]
    )


def test_kappa_is_one_when_they_agree_and_zero_at_chance() -> None:
    a = ["correct", "wrong", "incomplete", "correct"]
    assert cohen_kappa(a, list(a)) == 1.0
    # b says "correct" on half of each of a's classes: agreement equals chance
    a2 = ["correct", "correct", "wrong", "wrong"]
    b2 = ["correct", "wrong", "correct", "wrong"]
    assert cohen_kappa(a2, b2) == pytest.approx(0.0)
    assert cohen_kappa(["correct", "wrong"], ["wrong", "correct"]) == pytest.approx(
        -1.0
    )  # systematic disagreement
    assert math.isnan(cohen_kappa([], []))
    with pytest.raises(ValueError):
        cohen_kappa(["correct"], [])


def test_labels_pair_by_case_and_answer_hash_only() -> None:
    first = [_lab("c1", "correct"), _lab("c2", "wrong"), _lab("c3", "incomplete"), _lab("c4", "correct", "b")]
    second = [
        _lab("c1", "correct", who="y"),
        _lab("c2", "incomplete", who="y"),
        _lab("c3", "incomplete", who="y"),
    ]
    second.append(_lab("c4", "wrong", "c", who="y"))  # another answer text of c4: not paired
    report = labeller_agreement(first, second)
    assert report["n"] == 3 and report["agreement"] == pytest.approx(0.667, abs=1e-3)
    assert report["confusion"]["wrong"]["incomplete"] == 1
    assert report["wrong"] == {"agreement": pytest.approx(0.667, abs=1e-3), "both": 0, "either": 1}
    assert (
        report["first_rates"]["wrong"] == pytest.approx(0.333, abs=1e-3)
        and report["second_rates"]["wrong"] == 0
    )
    assert report["disagreements"] == [{"case_id": "c2", "first": "wrong", "second": "incomplete"}]
