"""Cost and tokens per outcome (evals/metrics/cost.py): the run's spend over each outcome's count."""

from __future__ import annotations

from typing import Any

from evals.decision_schema import DecisionObserved
from evals.metrics.aggregate import summarize
from evals.metrics.cost import cost_metrics
from evals.records import CaseRecord


def _rec(i: int, **kw: Any) -> CaseRecord:
    base: dict[str, Any] = {
        "id": f"c{i}",
        "case_hash": "h",
        "config_hash": "x",
        "question": "q",
        "reference_answer": "r",
        "category": "refunds",
        "answer": "Refunds take 5-10 business days [1].",
        "answer_mode": "answered",
        "cost_usd": 0.01,
        "prompt_tokens": 80,
        "completion_tokens": 20,
    }
    base.update(kw)
    return CaseRecord(**base)


def test_cost_per_outcome_divides_the_spend_by_each_outcome() -> None:
    records = [
        _rec(1),
        _rec(2),
        _rec(3, answer="", answer_mode="escalated", escalated=True),  # a handoff: no answer, still paid for
        _rec(4, expected_behavior="abstain"),  # answered, but out of scope: not an escalation avoided
        _rec(5, observed=DecisionObserved(route="answer", ticket_needs_human=False)),
        _rec(6, observed=DecisionObserved(route="answer", ticket_needs_human=True)),
        _rec(7, error="ModelError: boom"),  # failed rows cost nothing here (they score nothing)
    ]
    m = cost_metrics(records)
    total = 0.06  # six successful cases at 0.01
    assert m["cost_per_answer_usd"] == round(total / 3, 8)  # c1, c2, c4
    assert m["tokens_per_answer"] == 600 / 3
    assert m["cost_per_resolved_ticket_usd"] == total  # only c5
    assert m["cost_per_escalation_avoided_usd"] == round(total / 2, 8)  # c1, c2
    assert summarize(records)["cost_per_answer_usd"] == m["cost_per_answer_usd"]


def test_local_model_costs_zero_and_no_outcome_is_none() -> None:
    m = cost_metrics([_rec(1, cost_usd=0.0), _rec(2, answer="", answer_mode="abstained", cost_usd=0.0)])
    assert m["cost_per_answer_usd"] == 0.0
    assert m["cost_per_resolved_ticket_usd"] is None  # no ticket case in the run
