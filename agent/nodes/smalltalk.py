"""smalltalk: a short friendly reply to a greeting, thanks, goodbye or "who are you".

No retrieval, no model call, no escalation: the planner (:func:`agent.planner.smalltalk_kind`)
sends here only messages that are nothing but small talk. The turn is reported as a plain
answer (``route="answer"``, ``answer_mode="smalltalk"``) with no citations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage
from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.context import AgentDeps, for_run
from agent.state import AgentState
from deskpilot.runconfig import RunConfig

REPLIES = {
    "greeting": "Hello! I'm the {company} support assistant. What can I help you with today?",
    "thanks": "You're welcome! Is there anything else I can help you with?",
    "goodbye": "Thanks for reaching out. Have a great day!",
    "ack": "Great. Let me know if there's anything else I can help you with.",
    "identity": "I'm the {company} support assistant: I answer questions from our help center, look up "
    "your charges and disputes, and hand you over to a human agent whenever you need one.",
}


def reply_for(reason: str, company: str) -> str:
    """The reply for a ``smalltalk:<kind>`` route reason; an unknown kind is a bug, not a guess."""
    kind = reason.removeprefix("smalltalk:")
    if kind not in REPLIES:
        raise ValueError(f"no small-talk reply for {reason!r}")
    return REPLIES[kind].format(company=company)


def make_smalltalk(deps: AgentDeps) -> Callable[..., dict[str, Any]]:
    def smalltalk(state: AgentState, runtime: Runtime[RunConfig] | None = None) -> dict[str, Any]:
        text = reply_for(state.get("route_reason", ""), for_run(deps, runtime).config.agent_company)
        get_stream_writer()({"type": "token", "text": text})
        return {
            "route": "answer",
            "answer": text,
            "answer_mode": "smalltalk",
            "citations": [],
            "escalated": False,
            "escalation": None,
            "messages": [AIMessage(content=text, additional_kwargs={"citations": [], "mode": "smalltalk"})],
        }

    return smalltalk
