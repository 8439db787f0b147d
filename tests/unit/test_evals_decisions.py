"""Decision and ticket cases: golden fields, what is recorded, the metrics, the gate and the report.

The metric/gate tests build records directly (no model); one test runs the real agent (LLM faked
only through LiteLLM mock_response) over a chat refund case and a ticket case."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from deskpilot.exceptions import UserInputError
from evals.dataset import GoldenCase, load_golden, parse_golden
from evals.decision_schema import (
    DECISION_FIELDS,
    DecisionObserved,
    ObservedToolCall,
    observed_route,
)
from evals.decisions import METRICS, decision_metrics, decision_report, route_confusion
from evals.gate import Gate, check_gate, load_gate
from evals.records import CaseRecord, base_record
from evals.results import DatasetRef, EvalResults
from tests.fixtures.agent.support import agent_kb, agent_settings  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
ACME_GOLDEN = REPO / "examples" / "acme" / "golden.jsonl"
ACME_GATE = REPO / "evals" / "gates" / "acme.yaml"
BASE = {"reference_answer": "r", "reference_contexts": [], "source_docs": [], "category": "refunds"}


def _line(**fields: Any) -> str:
    return json.dumps({"id": "c1", "question": "q", **BASE, **fields})


def _case(**fields: Any) -> GoldenCase:
    return GoldenCase.model_validate({"id": fields.pop("id", "c1"), "question": "q", **BASE, **fields})


def _rec(case: GoldenCase, **observed: Any) -> CaseRecord:
    obs = DecisionObserved(**observed)
    return CaseRecord(**base_record(case, "cfg"), answer="a", observed=obs, escalated=obs.escalated)


# --- golden fields ---------------------------------------------------------------------------------
def test_unknown_route_is_a_clear_error_naming_line_and_field() -> None:
    text = _line() + "\n" + _line(id="c2", expected_route="refund")
    with pytest.raises(UserInputError) as err:
        parse_golden(text, source="g.jsonl")
    assert "g.jsonl:2" in str(err.value) and "expected_route" in str(err.value)


def test_unknown_tool_args_without_tool_and_half_ticket_are_errors() -> None:
    with pytest.raises(UserInputError, match="unknown tool 'refund_it'"):
        parse_golden(_line(expected_tool="refund_it"))
    with pytest.raises(UserInputError, match="expected_tool_args needs expected_tool"):
        parse_golden(_line(expected_tool_args={"charge_id": "ch_1"}))
    with pytest.raises(UserInputError, match="subject and body"):
        parse_golden(_line(subject="only a subject"))
    with pytest.raises(UserInputError, match="priority"):
        parse_golden(_line(subject="s", body="b", priority="urgent"))


def test_ticket_case_question_is_subject_and_body_and_old_hashes_are_kept() -> None:
    (ticket,) = parse_golden(
        json.dumps({"id": "t1", "subject": "Late payout", "body": "Where is it?", **BASE})
    )
    assert ticket.is_ticket and ticket.question == "Late payout\n\nWhere is it?"
    assert ticket.states_decisions() and ticket.expectation().subject == "Late payout"
    plain = _case()
    assert not plain.is_ticket and not plain.states_decisions()
    # a line without decision fields hashes as it did before the fields existed
    old = {k: v for k, v in plain.model_dump().items() if k not in DECISION_FIELDS}
    import hashlib

    digest = hashlib.sha256(json.dumps(old, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]
    assert plain.case_hash == digest
    assert _case(expected_route="answer").case_hash != plain.case_hash


def test_acme_golden_has_the_decision_and_ticket_cases() -> None:
    cases = load_golden(ACME_GOLDEN).cases
    decision = [c for c in cases if c.id.startswith("acme-d")]
    tickets = [c for c in cases if c.id.startswith("acme-tk")]
    assert len(decision) + len(tickets) >= 30
    assert all(c.states_decisions() for c in decision + tickets)
    assert all(c.is_ticket and c.queue and c.priority and c.needs_human is not None for c in tickets)
    routes = {c.expected_route for c in decision}
    assert routes >= {"answer", "tool", "escalate", "abstain"}
    assert any(c.requires_approval for c in decision) and any(c.requires_approval is False for c in decision)


# --- observed side ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("route", "mode", "expected"),
    [
        ("answer", "extractive", "answer"),
        ("answer", "generated", "answer"),
        ("answer", "smalltalk", "answer"),
        ("escalate", "abstained", "abstain"),  # weak evidence goes through the escalate node
        ("escalate", "escalated", "escalate"),
        ("escalate", "refused", "escalate"),
        ("tool", "tool", "tool"),
        ("tool", "pending", "tool"),
    ],
)
def test_observed_route(route: str, mode: str, expected: str) -> None:
    assert observed_route(route, mode) == expected


# --- metrics ---------------------------------------------------------------------------------------
def test_only_cases_that_state_an_expectation_count() -> None:
    records = [
        _rec(_case(id="a", expected_route="answer"), route="answer"),
        _rec(_case(id="b", expected_route="tool"), route="answer"),
        _rec(_case(id="plain"), route="tool"),  # states nothing: never counted
    ]
    report = decision_report(records)
    assert report.metrics["route_accuracy"] == 0.5 and report.n["route_accuracy"] == 2
    assert report.metrics["tool_accuracy"] is None and report.n["tool_accuracy"] == 0
    assert report.wrong["route_accuracy"] == ["b"]
    failed = _rec(_case(id="f", expected_route="answer"), route="answer").model_copy(update={"error": "boom"})
    assert decision_metrics([*records, failed])["route_accuracy"] == 0.5  # failed rows gate as n_failed
    assert list(decision_metrics(records)) == list(METRICS)


def test_route_confusion_rows_expected_columns_observed() -> None:
    records = [
        _rec(_case(id="a", expected_route="tool"), route="tool"),
        _rec(_case(id="b", expected_route="tool"), route="answer"),
        _rec(_case(id="c", expected_route="abstain"), route="escalate"),
    ]
    conf = route_confusion(records)
    at = {(e, o): conf.matrix[i][j] for i, e in enumerate(conf.labels) for j, o in enumerate(conf.labels)}
    assert at[("tool", "tool")] == 1 and at[("tool", "answer")] == 1 and at[("abstain", "escalate")] == 1
    assert sum(map(sum, conf.matrix)) == 3


def test_tool_accuracy_compares_name_and_the_given_args() -> None:
    refund = _case(id="r", expected_tool="create_refund", expected_tool_args={"charge_id": "ch_1"})
    calls = [ObservedToolCall(name="get_charge", args={"charge_id": "ch_1"})]
    right = _rec(
        refund, tool_calls=[*calls, ObservedToolCall(name="create_refund", args={"charge_id": "ch_1"})]
    )
    wrong_arg = _rec(
        refund.model_copy(update={"id": "w"}),
        tool_calls=[ObservedToolCall(name="create_refund", args={"charge_id": "ch_2"})],
    )
    wrong_name = _rec(refund.model_copy(update={"id": "n"}), tool_calls=calls)
    # the agent keeps an email as its redaction placeholder: that matches the email
    by_email = _case(id="e", expected_tool="lookup_customer", expected_tool_args={"email": "jo@example.com"})
    email = _rec(by_email, tool_calls=[ObservedToolCall(name="lookup_customer", args={"email": "[EMAIL_1]"})])
    not_email = _rec(
        by_email.model_copy(update={"id": "x"}),
        tool_calls=[ObservedToolCall(name="lookup_customer", args={"email": "[PHONE_1]"})],
    )
    report = decision_report([right, wrong_arg, wrong_name, email, not_email])
    assert report.metrics["tool_accuracy"] == pytest.approx(2 / 5)
    assert report.wrong["tool_accuracy"] == ["w", "n", "x"]


def test_approval_and_handoff_precision_recall() -> None:
    records = [
        _rec(_case(id="r1", requires_approval=True), approval_requested=True),
        _rec(_case(id="r2", requires_approval=False), approval_requested=True),
        _rec(_case(id="h1", expected_route="escalate"), route="escalate", escalated=True),  # tp
        _rec(_case(id="h2", expected_route="abstain"), route="answer", escalated=False),  # fn
        _rec(_case(id="h3", expected_route="answer"), route="abstain", escalated=True),  # fp
        _rec(_case(id="h4", expected_route="tool"), route="tool", escalated=False),  # tn
        _rec(
            _case(id="h5", expected_route="answer", expected_escalation=True), escalated=True
        ),  # explicit: tp
    ]
    m = decision_report(records)
    assert m.metrics["approval_accuracy"] == 0.5
    assert m.metrics["handoff_precision"] == pytest.approx(2 / 3) and m.n["handoff_precision"] == 3
    assert m.metrics["handoff_recall"] == pytest.approx(2 / 3) and m.n["handoff_recall"] == 3
    assert m.wrong["handoff_precision"] == ["h3"] and m.wrong["handoff_recall"] == ["h2"]


def test_ticket_accuracies_and_tune_heldout_halves() -> None:
    from evals.audit_sheet import hash_split

    ids = [f"tk{i:02d}" for i in range(12)]
    records = []
    for i, cid in enumerate(ids):
        case = _case(id=cid, subject="s", body="b", queue="payouts", priority="P2", needs_human=False)
        records.append(
            _rec(
                case,
                ticket=True,
                ticket_queue="payouts" if i % 2 == 0 else "refunds",
                ticket_priority="P2",
                ticket_needs_human=i % 3 == 0,
            )
        )
    report = decision_report(records)
    assert report.metrics["ticket_queue_accuracy"] == 0.5
    assert report.metrics["ticket_priority_accuracy"] == 1.0
    assert report.metrics["ticket_needs_human_accuracy"] == pytest.approx(8 / 12)
    assert report.metrics["handoff_precision"] is None  # tickets hand off through needs_human
    held = [r for r in records if hash_split(r.id) == "heldout"]
    assert report.split_n["heldout"]["ticket_queue_accuracy"] == len(held)
    assert report.split_n["tune"]["ticket_queue_accuracy"] == 12 - len(held)


# --- gate ------------------------------------------------------------------------------------------
def _results(records: list[CaseRecord]) -> EvalResults:
    return EvalResults(
        run_id="t",
        created_at="2026-12-07T00:00:00+00:00",
        n=len(records),
        metrics=decision_metrics(records),
        per_case=records,
        dataset=DatasetRef(path="g", hash="h"),
        decisions=decision_report(records),
    )


def _perfect(case: GoldenCase) -> CaseRecord:
    """What a perfect agent would have decided on a golden case."""
    e = case.expectation()
    handoff = e.expected_escalation
    if handoff is None and e.expected_route is not None:
        handoff = e.expected_route in ("escalate", "abstain")
    calls = (
        [ObservedToolCall(name=e.expected_tool, args=dict(e.expected_tool_args or {}))]
        if e.expected_tool
        else []
    )
    return _rec(
        case,
        route=e.expected_route or "answer",
        tool_calls=calls,
        approval_requested=bool(e.requires_approval),
        escalated=bool(e.needs_human if case.is_ticket else handoff),
        ticket=case.is_ticket,
        ticket_queue=e.queue,
        ticket_priority=e.priority,
        ticket_needs_human=e.needs_human,
    )


def _decision_gate() -> Gate:
    gate = load_gate(ACME_GATE)
    rules = {k: v for k, v in gate.metrics.items() if k in METRICS}
    assert set(rules) == set(METRICS), "acme.yaml gates every decision metric"
    return Gate(metrics=rules)


def test_perfect_decisions_pass_the_acme_decision_rules() -> None:
    cases = [c for c in load_golden(ACME_GOLDEN).cases if c.states_decisions()]
    report = check_gate(_results([_perfect(c) for c in cases]), _decision_gate())
    assert report.passed, report.lines()


def test_planted_wrong_route_fails_the_gate_on_route_accuracy() -> None:
    """One case's route flipped, in a set small enough that one case crosses the acme minimum."""
    rule = _decision_gate().metrics["route_accuracy"]
    assert rule.min is not None and 0 < rule.min < 1
    k = max(2, math.ceil(1 / (1 - rule.min)) - 1)  # (k-1)/k < min
    while (k - 1) / k >= rule.min:
        k -= 1
    cases = [c for c in load_golden(ACME_GOLDEN).cases if c.expected_route is not None][:k]
    gate = Gate(metrics={"route_accuracy": rule})
    honest = [_perfect(c) for c in cases]
    assert check_gate(_results(honest), gate).passed
    planted = list(honest)
    observed = planted[0].observed
    assert observed is not None
    flipped = "answer" if observed.route != "answer" else "escalate"
    planted[0] = planted[0].model_copy(update={"observed": observed.model_copy(update={"route": flipped})})
    report = check_gate(_results(planted), gate)
    assert not report.passed and {v.metric for v in report.failures} == {"route_accuracy"}
    assert _results(planted).decisions.wrong["route_accuracy"] == [cases[0].id]  # type: ignore[union-attr]


# --- results.json and the report -------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:No artists with labels")  # the score plots of a run with no scores
def test_decisions_block_round_trips_and_the_report_shows_it(tmp_path: Path) -> None:
    from evals.report import render_report
    from evals.results import load_results

    records = [
        _rec(_case(id="a", expected_route="tool", expected_tool="get_charge"), route="answer"),
        _rec(
            _case(id="t", subject="s", body="b", queue="payouts", needs_human=True),
            ticket=True,
            ticket_queue="payouts",
            ticket_needs_human=True,
            escalated=True,
        ),
    ]
    res = _results(records)
    res.save(tmp_path)
    back = load_results(tmp_path)
    assert back.decisions is not None and back.decisions.n["route_accuracy"] == 1
    assert back.per_case[1].observed is not None and back.per_case[1].observed.ticket_queue == "payouts"
    html = render_report(back)
    assert 'id="decisions"' in html and 'id="route-confusion"' in html
    assert "route_accuracy" in html and "ticket_queue_accuracy" in html
    assert "a" in html.split('id="decisions-wrong"', 1)[1]


# --- the real agent: a chat refund and a ticket through the runner -----------------------------------
def test_runner_records_tool_calls_approval_and_ticket_decisions(
    agent_settings: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    from evals.config import build_config
    from evals.runner import run_eval, service_ask
    from tests.fixtures.evals.support import eval_service

    lines = [
        {
            "id": "d-refund",
            "question": "Please refund ch_1001, I cancelled the order",
            "expected_route": "tool",
            "expected_tool": "create_refund",
            "expected_tool_args": {"charge_id": "ch_1001"},
            "requires_approval": True,
            **BASE,
        },
        {
            "id": "d-human",
            "question": "I want to talk to a real person about my payout",
            "expected_route": "escalate",
            **BASE,
            "category": "payouts",
        },
        {
            "id": "tk-refund",
            "subject": "Refund timing",
            "body": "Hi,\nhow long does a refund take to appear on my card statement?\nThanks",
            "queue": "refunds",
            "needs_human": False,
            **BASE,
        },
    ]
    path = tmp_path / "golden.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    golden = load_golden(path)
    config = build_config(agent_settings)
    svc = eval_service(agent_settings, tmp_path)
    results = run_eval(golden, config, tmp_path / "run", ask=service_ask(svc, config), audit_files=[])
    refund, human, ticket = results.per_case
    assert not results.failed
    assert refund.observed is not None and refund.observed.route == "tool"
    assert [c.name for c in refund.observed.tool_calls] == ["get_charge", "create_refund"]
    assert refund.observed.approval_requested and refund.answer_mode == "pending"
    assert human.observed is not None and human.observed.route == "escalate" and human.observed.escalated
    assert ticket.route == "ticket" and ticket.observed is not None and ticket.observed.ticket
    assert (
        ticket.observed.ticket_queue == "refunds" and ticket.retrieved
    )  # ran the ticket mode, kept passages
    assert results.metrics["route_accuracy"] == 1.0 and results.metrics["tool_accuracy"] == 1.0
    assert results.metrics["approval_accuracy"] == 1.0 and results.metrics["ticket_queue_accuracy"] == 1.0
    assert results.decisions is not None and results.decisions.n["ticket_needs_human_accuracy"] == 1


def test_correctness_verdicts_skip_cases_that_expect_a_tool_reply() -> None:
    """A record lookup states tool-database facts with no cited passage: the proxy cannot judge it."""
    from evals.metrics.verdicts import judged

    lookup = _rec(_case(id="tool", expected_route="tool", expected_tool="get_charge"), route="tool")
    kb = _rec(_case(id="kb", expected_route="answer"), route="answer")
    plain = _rec(_case(id="plain"))
    assert [r.id for r in judged([lookup, kb, plain])] == ["kb", "plain"]
