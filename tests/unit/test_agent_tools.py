"""Tool backend on a real SQLite database, seeding, typed/permissioned calls, deterministic routing."""

from pathlib import Path

import pytest

from agent.planner import plan_deterministic
from agent.tools.backend import SqlToolBackend
from agent.tools.registry import ToolCall, openai_tools, run_read_tool, validate_call
from agent.tools.schemas import GetChargeArgs
from agent.tools.seed import seed_from_file
from deskpilot.db import get_engine
from deskpilot.exceptions import UserInputError
from tests.fixtures.agent.support import SEED


@pytest.fixture
def backend(tmp_path: Path) -> SqlToolBackend:
    b = SqlToolBackend(get_engine(f"sqlite:///{tmp_path / 'tools.db'}"))
    added = seed_from_file(SEED, "acme", b.engine)
    assert added["customers"] == 2 and added["charges"] == 4
    return b


def test_seed_is_idempotent_and_tenant_scoped(backend: SqlToolBackend) -> None:
    again = seed_from_file(SEED, "acme", backend.engine)
    assert sum(again.values()) == 0
    assert backend.get_charge("acme", "ch_1001") is not None
    assert backend.get_charge("other", "ch_1001") is None
    assert backend.lookup_customer("acme", email="ALICE@example.com").id == "cus_alice01"  # type: ignore[union-attr]
    assert backend.is_empty("other") and not backend.is_empty("acme")


def test_refund_is_idempotent_and_bounded(backend: SqlToolBackend) -> None:
    first = backend.create_refund("acme", "ch_1001", amount=None, reason="x", idempotency_key="t1:ch_1001")
    replay = backend.create_refund("acme", "ch_1001", amount=None, reason="x", idempotency_key="t1:ch_1001")
    assert first.amount == 4200 and not first.replayed
    assert replay.id == first.id and replay.replayed
    assert backend.get_charge("acme", "ch_1001").amount_refunded == 4200  # type: ignore[union-attr]
    with pytest.raises(UserInputError, match="refundable"):
        backend.create_refund("acme", "ch_1001", amount=100, reason="x", idempotency_key="t2:ch_1001")
    with pytest.raises(UserInputError):
        backend.create_refund(
            "acme", "ch_2001", amount=None, reason="x", idempotency_key="k"
        )  # failed charge


def test_calls_are_typed_and_permissioned(backend: SqlToolBackend) -> None:
    args = validate_call(ToolCall(name="get_charge", args={"charge_id": "ch_1001"}), frozenset({"read"}))
    assert isinstance(args, GetChargeArgs)
    out = run_read_tool(backend, "acme", "get_charge", args)
    assert out["result"]["refundable"] == 4200
    with pytest.raises(ValueError, match="permission 'money'"):
        validate_call(ToolCall(name="create_refund", args={"charge_id": "ch_1001"}), frozenset({"read"}))
    with pytest.raises(ValueError, match="bad arguments"):
        validate_call(ToolCall(name="get_charge", args={"charge_id": "DROP TABLE"}), frozenset({"read"}))
    names = {t["function"]["name"] for t in openai_tools(frozenset({"read", "escalate"}))}
    assert "create_refund" not in names and {"get_charge", "escalate_to_human", "search_docs"} <= names


@pytest.mark.parametrize(
    ("question", "entities", "route", "tools"),
    [
        (
            "Please refund ch_1001, I was charged twice",
            {"charge_ids": ["ch_1001"]},
            "tool",
            ["get_charge", "create_refund"],
        ),
        ("What happened to ch_1001?", {"charge_ids": ["ch_1001"]}, "tool", ["get_charge"]),
        ("Status of my dispute dp_3001", {"dispute_ids": ["dp_3001"]}, "tool", ["get_dispute"]),
        ("I'm [EMAIL_1], show my charges", {"emails": ["alice@example.com"]}, "tool", ["lookup_customer"]),
        ("How do I refund a payment?", {}, "answer", []),
        (
            "Don't refund ch_1001 yet, I only want to know if the payment went through.",
            {"charge_ids": ["ch_1001"]},
            "tool",
            ["get_charge"],
        ),
        ("Can I speak to a human please", {}, "escalate", []),
    ],
)
def test_deterministic_routing(question: str, entities: dict, route: str, tools: list[str]) -> None:
    plan = plan_deterministic(question, entities, None)
    assert plan.route == route
    assert [c.name for c in plan.calls] == tools


def test_a_refunds_queue_alone_never_prepares_a_refund() -> None:
    """Triage guessed "refunds" for "did her payment go through?"; money moves only when the
    message asks for it."""
    q = "A client swears she paid for her consulting hour, charge ch_1001. Did it actually go through?"
    plan = plan_deterministic(q, {"charge_ids": ["ch_1001"]}, {"queue": "refunds"})
    assert [c.name for c in plan.calls] == ["get_charge"]
    asked = plan_deterministic(
        "I want my money back for ch_1001", {"charge_ids": ["ch_1001"]}, {"queue": "refunds"}
    )
    assert [c.name for c in asked.calls] == ["get_charge", "create_refund"]
