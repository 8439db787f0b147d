"""Graph state: a TypedDict with explicit reducers.

- ``messages``: LangGraph's ``add_messages`` (the conversation, redacted, across turns).
- ``usage``: summed over every model call of the turn; ``None`` resets it (the guard does so
  at the start of each turn).
- ``prompt_refs``: the ``name@vN`` prompts used this turn, de-duplicated; ``None`` resets.
- Everything else is per-turn and replaced by the node that writes it.
Only plain JSON-like values are stored, so any checkpointer can serialise them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages

Route = Literal["answer", "tool", "escalate", "smalltalk"]
Mode = Literal["chat", "ticket"]
AnswerMode = Literal[
    "generated", "extractive", "abstained", "tool", "escalated", "refused", "pending", "smalltalk"
]

USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens", "cost_usd", "llm_calls")


def empty_usage() -> dict[str, float]:
    return dict.fromkeys(USAGE_KEYS, 0)


def add_usage(left: dict[str, float] | None, right: dict[str, float] | None) -> dict[str, float]:
    if right is None:
        return empty_usage()
    base = dict(left or empty_usage())
    for key in USAGE_KEYS:
        base[key] = base.get(key, 0) + right.get(key, 0)
    return base


def add_refs(left: list[str] | None, right: list[str] | None) -> list[str]:
    if right is None:
        return []
    return list(dict.fromkeys([*(left or []), *right]))


class AgentState(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    usage: Annotated[dict[str, float], add_usage]
    prompt_refs: Annotated[list[str], add_refs]
    # the turn's input, after the guard
    mode: Mode  # "chat" (default) or "ticket": a ticket ends in the ticket node, not in escalate
    subject: str  # ticket mode: the ticket's subject and body, redacted (``question`` joins them)
    body: str
    tenant: str
    collection: str | None
    question: str
    entities: dict[str, list[str]]
    # the condense node (answer route): what retrieval and unit selection search; a follow-up
    # carries the topic of the turns before it, any other turn is the question as typed
    query: str
    followup: bool
    pii: list[str]
    injection: list[str]
    # decisions
    triage: dict[str, Any] | None
    route: Route
    route_reason: str
    plan: list[dict[str, Any]]
    # evidence and results
    retrieved: list[dict[str, Any]]
    evidence: float
    coverage: float
    answerable: float  # calibrated P(the KB answers it), agent.abstain; absent with the threshold rule
    tool_results: list[dict[str, Any]]
    pending_action: dict[str, Any] | None
    draft: str
    answer: str
    answer_mode: AnswerMode
    citations: list[dict[str, Any]]
    escalated: bool
    escalation: dict[str, Any] | None
    ticket: dict[str, Any] | None  # ticket mode: what the ticket node decided (see agent.nodes.ticket)


def usage_of(reply: Any) -> dict[str, float]:
    """Usage of one ``deskpilot.llm.LLMReply`` in the state's shape."""
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        "cost_usd": reply.cost_usd,
        "llm_calls": 1,
    }
