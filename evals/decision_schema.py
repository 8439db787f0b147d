"""The decision side of a golden case: what it expects the agent to decide, and what it decided.

A golden line may state (all optional; only cases that state an expectation are scored on it):

- ``expected_route``: ``answer | tool | escalate | abstain`` (anything else is a clear error);
- ``expected_tool`` (a tool of ``agent.tools.registry.TOOLS``) and ``expected_tool_args`` (a dict,
  compared on the keys it gives);
- ``requires_approval``: the turn should (not) stop for a human's approval (a refund);
- ``expected_escalation``: the conversation should (not) be handed to a human.

A ticket case carries ``subject`` + ``body`` (its ``question`` defaults to both joined) and states
``queue``, ``priority``, ``needs_human``; it runs the ticket entry mode of the graph
(``AgentService.assist_ticket``) and its ``reference_answer`` is the reference draft.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

ExpectedRoute = Literal["answer", "tool", "escalate", "abstain"]
Priority = Literal["P1", "P2", "P3", "P4"]
DECISION_FIELDS = (
    "expected_route",
    "expected_tool",
    "expected_tool_args",
    "requires_approval",
    "expected_escalation",
    "subject",
    "body",
    "queue",
    "priority",
    "needs_human",
)


class DecisionExpectation(BaseModel):
    """Base of ``evals.dataset.GoldenCase``: the optional decision and ticket fields."""

    expected_route: ExpectedRoute | None = None
    expected_tool: str | None = None
    expected_tool_args: dict[str, Any] | None = None
    requires_approval: bool | None = None
    expected_escalation: bool | None = None
    subject: str | None = None
    body: str | None = None
    queue: str | None = None
    priority: Priority | None = None
    needs_human: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _ticket_question(cls, data: Any) -> Any:
        """A ticket case may omit ``question``: it is the subject and body joined."""
        if isinstance(data, dict) and not data.get("question") and (data.get("subject") or data.get("body")):
            subject, body = str(data.get("subject") or "").strip(), str(data.get("body") or "").strip()
            return {**data, "question": f"{subject}\n\n{body}".strip()}
        return data

    @field_validator("expected_tool")
    @classmethod
    def _known_tool(cls, v: str | None) -> str | None:
        if v is None:
            return v
        from agent.tools.registry import TOOLS

        if v not in TOOLS:
            raise ValueError(f"unknown tool {v!r} (known: {', '.join(sorted(TOOLS))})")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> DecisionExpectation:
        if self.expected_tool_args is not None and self.expected_tool is None:
            raise ValueError("expected_tool_args needs expected_tool")
        if (self.subject is None) != (self.body is None):
            raise ValueError("a ticket case needs both subject and body")
        return self

    @property
    def is_ticket(self) -> bool:
        return self.subject is not None and self.body is not None

    def expectation(self) -> DecisionExpectation:
        """Only the decision fields (what a record keeps)."""
        return DecisionExpectation.model_validate({k: getattr(self, k) for k in DECISION_FIELDS})

    def states_decisions(self) -> bool:
        return any(getattr(self, k) is not None for k in DECISION_FIELDS)


class ObservedToolCall(BaseModel):
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class DecisionObserved(BaseModel):
    """What the agent decided on one case (``CaseRecord.observed``)."""

    route: str = Field(default="", description="answer | tool | escalate | abstain (mapped from the result)")
    tool_calls: list[ObservedToolCall] = Field(default_factory=list)
    approval_requested: bool = False
    escalated: bool = False
    ticket: bool = False
    ticket_queue: str | None = None
    ticket_priority: str | None = None
    ticket_needs_human: bool | None = None
    ticket_reasons: list[str] = Field(default_factory=list)


def observed_route(route: str, answer_mode: str) -> str:
    """The agent's route and answer mode → ``answer | tool | escalate | abstain``: an abstention is
    reached through the escalate node (``answer_mode`` abstained), a request for a human or a
    refused injection is ``escalate``, a record lookup or refund is ``tool``."""
    if answer_mode == "abstained":
        return "abstain"
    if answer_mode in ("escalated", "refused") or route == "escalate":
        return "escalate"
    if route == "tool":
        return "tool"
    return "answer"


def observe_chat(result: Any) -> DecisionObserved:
    """An ``agent.models.AgentResult`` → what it decided."""
    return DecisionObserved(
        route=observed_route(str(result.route), str(result.answer_mode or "")),
        tool_calls=[
            ObservedToolCall(name=c.name, args=dict(c.args))
            for c in getattr(result, "tool_calls", None) or []
        ],
        approval_requested=getattr(result, "pending_action", None) is not None,
        escalated=bool(result.escalated),
    )


def observe_ticket(assist: Any) -> DecisionObserved:
    """An ``agent.models.TicketAssist`` → what it decided (its handoff is ``needs_human``)."""
    triage = assist.triage or {}
    return DecisionObserved(
        route=observed_route("answer", str(assist.answer_mode or "")),
        escalated=bool(assist.needs_human),
        ticket=True,
        ticket_queue=triage.get("queue"),
        ticket_priority=triage.get("priority"),
        ticket_needs_human=bool(assist.needs_human),
        ticket_reasons=list(assist.reasons),
    )
