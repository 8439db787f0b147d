"""Decision metrics: was the route, the tool, the approval, the handoff and the ticket's queue,
priority and needs_human right?

Only successful cases that state an expectation count for a metric (``n`` per metric is kept in
the ``decisions`` block of results.json); a metric no case states is ``None``.

- ``route_accuracy``: observed route (:func:`evals.decision_schema.observed_route`) == ``expected_route``;
  the route confusion matrix has rows = expected, columns = observed.
- ``tool_accuracy``: some planned call has the ``expected_tool`` name and agrees with
  ``expected_tool_args`` on every key given (an email the agent holds as its redaction placeholder
  ``[EMAIL_n]`` matches the email: the state never keeps the original).
- ``approval_accuracy``: the turn stopped for approval (a pending refund) iff ``requires_approval``.
- ``handoff_precision`` / ``handoff_recall``: over chat cases whose handoff is stated —
  ``expected_escalation``, else implied by ``expected_route`` (escalate/abstain hand off: the agent's
  abstention passes the question to a human; answer/tool do not). Precision: of the handoffs, the
  share that should have been; recall: of the cases that should, the share handed off.
- ``ticket_queue_accuracy`` / ``ticket_priority_accuracy`` / ``ticket_needs_human_accuracy``: ticket
  cases against ``queue`` / ``priority`` / ``needs_human``.

Every metric is also reported on the tune and held-out halves (``sha256(id) % 10 >= 6`` is held out,
as for the audit labels).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from evals.decision_schema import DecisionExpectation, DecisionObserved
from evals.records import CaseRecord

ROUTES = ("answer", "tool", "escalate", "abstain")
METRICS = (
    "route_accuracy",
    "tool_accuracy",
    "approval_accuracy",
    "handoff_precision",
    "handoff_recall",
    "ticket_queue_accuracy",
    "ticket_priority_accuracy",
    "ticket_needs_human_accuracy",
)
PLACEHOLDER = re.compile(r"^\[([A-Z]+)_\d+\]$")


class RouteConfusion(BaseModel):
    labels: list[str] = Field(default_factory=lambda: list(ROUTES))
    matrix: list[list[int]] = Field(description="rows: expected route, columns: observed route")


class DecisionReport(BaseModel):
    """The ``decisions`` block of results.json."""

    metrics: dict[str, float | None]
    n: dict[str, int] = Field(description="cases that state the expectation, per metric")
    route_confusion: RouteConfusion
    splits: dict[str, dict[str, float | None]] = Field(
        default_factory=dict, description="'tune' / 'heldout' → the same metrics on that half"
    )
    split_n: dict[str, dict[str, int]] = Field(default_factory=dict)
    wrong: dict[str, list[str]] = Field(
        default_factory=dict, description="metric → ids of cases it got wrong"
    )


def _arg_matches(expected: Any, observed: Any) -> bool:
    if observed == expected:
        return True
    if isinstance(expected, str) and isinstance(observed, str):
        if expected.strip().lower() == observed.strip().lower():
            return True
        m = PLACEHOLDER.match(observed)
        if m:
            from agent.guard import redact

            masked = redact(expected).text
            return bool(PLACEHOLDER.match(masked)) and masked.startswith(f"[{m.group(1)}_")
    return False


def tool_correct(exp: DecisionExpectation, obs: DecisionObserved) -> bool:
    want = exp.expected_tool_args or {}
    return any(
        call.name == exp.expected_tool and all(_arg_matches(v, call.args.get(k)) for k, v in want.items())
        for call in obs.tool_calls
    )


def expected_handoff(exp: DecisionExpectation) -> bool | None:
    if exp.expected_escalation is not None:
        return exp.expected_escalation
    if exp.is_ticket or exp.expected_route is None:
        return None
    return exp.expected_route in ("escalate", "abstain")


Check = Callable[[DecisionExpectation, DecisionObserved], bool | None]
"""None: the case does not state this expectation; else whether the agent got it right."""

CHECKS: dict[str, Check] = {
    "route_accuracy": lambda e, o: None if e.expected_route is None else o.route == e.expected_route,
    "tool_accuracy": lambda e, o: None if e.expected_tool is None else tool_correct(e, o),
    "approval_accuracy": lambda e, o: (
        None if e.requires_approval is None else o.approval_requested == e.requires_approval
    ),
    "ticket_queue_accuracy": lambda e, o: None if e.queue is None else o.ticket_queue == e.queue,
    "ticket_priority_accuracy": lambda e, o: None if e.priority is None else o.ticket_priority == e.priority,
    "ticket_needs_human_accuracy": lambda e, o: (
        None if e.needs_human is None else o.ticket_needs_human == e.needs_human
    ),
}


def _scored(records: list[CaseRecord]) -> list[tuple[CaseRecord, DecisionExpectation, DecisionObserved]]:
    return [
        (r, r.expected_decisions, r.observed)
        for r in records
        if r.ok and r.expected_decisions is not None and r.observed is not None
    ]


def _compute(
    records: list[CaseRecord],
) -> tuple[dict[str, float | None], dict[str, int], dict[str, list[str]]]:
    scored = _scored(records)
    metrics: dict[str, float | None] = {}
    n: dict[str, int] = {}
    wrong: dict[str, list[str]] = {}
    for name, check in CHECKS.items():
        outcomes = [(r.id, ok) for r, e, o in scored if (ok := check(e, o)) is not None]
        n[name] = len(outcomes)
        metrics[name] = sum(ok for _, ok in outcomes) / len(outcomes) if outcomes else None
        wrong[name] = [i for i, ok in outcomes if not ok]
    pairs = [(r.id, h, o.escalated) for r, e, o in scored if (h := expected_handoff(e)) is not None]
    handed = [p for p in pairs if p[2]]
    should = [p for p in pairs if p[1]]
    tp = sum(1 for _, h, esc in pairs if h and esc)
    metrics["handoff_precision"] = tp / len(handed) if handed else None
    metrics["handoff_recall"] = tp / len(should) if should else None
    n["handoff_precision"], n["handoff_recall"] = len(handed), len(should)
    wrong["handoff_precision"] = [i for i, h, esc in handed if not h]
    wrong["handoff_recall"] = [i for i, h, esc in should if not esc]
    order = {name: i for i, name in enumerate(METRICS)}
    return (
        dict(sorted(metrics.items(), key=lambda kv: order[kv[0]])),
        dict(sorted(n.items(), key=lambda kv: order[kv[0]])),
        {k: v for k, v in sorted(wrong.items(), key=lambda kv: order[kv[0]]) if v},
    )


def decision_metrics(records: list[CaseRecord]) -> dict[str, float | None]:
    """The scalar metrics for results.json ``metrics`` (gated by the YAML like any other)."""
    return _compute(records)[0]


def route_confusion(records: list[CaseRecord]) -> RouteConfusion:
    index = {label: i for i, label in enumerate(ROUTES)}
    matrix = [[0] * len(ROUTES) for _ in ROUTES]
    for _, e, o in _scored(records):
        if e.expected_route is not None and o.route in index:
            matrix[index[e.expected_route]][index[o.route]] += 1
    return RouteConfusion(matrix=matrix)


def decision_report(records: list[CaseRecord]) -> DecisionReport:
    from evals.audit_sheet import hash_split

    metrics, n, wrong = _compute(records)
    splits: dict[str, dict[str, float | None]] = {}
    split_n: dict[str, dict[str, int]] = {}
    for half in ("tune", "heldout"):
        part = [r for r in records if hash_split(r.id) == half]
        splits[half], split_n[half], _ = _compute(part)
    return DecisionReport(
        metrics=metrics,
        n=n,
        route_confusion=route_confusion(records),
        splits=splits,
        split_n=split_n,
        wrong=wrong,
    )
