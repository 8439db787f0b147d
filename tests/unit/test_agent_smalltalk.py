"""Small talk: recognised by the planner, answered by the smalltalk node without retrieval,
model calls or an escalation (through the compiled graph, LLM faked at the LiteLLM boundary)."""

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from agent.nodes.route import after_route
from agent.nodes.smalltalk import reply_for
from agent.planner import plan_deterministic, smalltalk_kind
from agent.tools.models import Escalation
from tests.fixtures.agent import support
from tests.fixtures.agent.support import TENANT, make_service

agent_kb = support.agent_kb
agent_settings = support.agent_settings


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("hi", "greeting"),
        ("Hello!", "greeting"),
        ("hey there", "greeting"),
        ("Good morning, how are you?", "greeting"),
        ("ok thanks", "thanks"),
        ("Thanks a lot!", "thanks"),
        ("thank you so much :)", "thanks"),
        ("bye", "goodbye"),
        ("got it", "ack"),
        ("Who are you?", "identity"),
        ("what can you help me with?", "identity"),
    ],
)
def test_small_talk_is_recognised(text: str, kind: str) -> None:
    assert smalltalk_kind(text) == kind
    plan = plan_deterministic(text, {}, None)
    assert plan.route == "smalltalk" and plan.reason == f"smalltalk:{kind}"


@pytest.mark.parametrize(
    "text",
    [
        "hi, how do I refund a charge?",
        "thanks, but my payout failed again",
        "How long does a refund take?",
        "Hello, I want to speak to a human",
        "ok so what about disputes",
        "who are you sending my card details to?",
    ],
)
def test_questions_with_a_greeting_are_not_small_talk(text: str) -> None:
    assert smalltalk_kind(text) is None
    assert plan_deterministic(text, {}, None).route != "smalltalk"


def test_tickets_never_get_small_talk() -> None:
    assert plan_deterministic("Thanks!", {}, None, smalltalk=False).route == "answer"


def test_router_fails_loudly_on_an_unknown_route() -> None:
    assert after_route({"route": "smalltalk"}) == "smalltalk"
    with pytest.raises(ValueError, match="unknown route"):
        after_route({"route": "chitchat"})  # type: ignore[typeddict-item]
    with pytest.raises(ValueError, match="no small-talk reply"):
        reply_for("smalltalk:weather", "Acme Pay")


def _escalations(svc: Any) -> int:
    with svc.deps.backend.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Escalation)).scalar_one())


def test_greeting_through_the_graph_gets_a_reply_and_no_escalation(
    agent_settings: Any, tmp_path: Path
) -> None:
    svc = make_service(agent_settings, tmp_path)  # no mock: any model call would fail the test
    events = asyncio.run(_collect(svc.astream("hi", tenant=TENANT)))
    meta = next(e.data for e in events if e.event == "meta")
    done = next(e.data for e in events if e.event == "done")
    assert meta["route"] == "answer" and meta["prompt_version"] == ""
    assert done["answer_mode"] == "smalltalk" and not done["escalated"] and done["citations"] == []
    assert "Acme Pay" in done["answer"] and done["usage"]["llm_calls"] == 0
    r = svc.ask("ok thanks", thread_id=done["thread_id"], tenant=TENANT)
    assert r.answer_mode == "smalltalk" and r.route == "answer" and not r.escalated
    assert r.retrieved == [] and r.usage.llm_calls == 0
    assert _escalations(svc) == 0
    # a real question in the same thread still goes to retrieval, and out-of-scope still escalates
    off = svc.ask("Who won the football world cup in 1998?", thread_id=r.thread_id, tenant=TENANT)
    assert off.answer_mode == "abstained" and off.escalated and _escalations(svc) == 1


async def _collect(stream: Any) -> list[Any]:
    return [e async for e in stream]
