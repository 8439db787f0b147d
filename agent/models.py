"""What the agent returns: the seam the API, CLI and evals use (docs/architecture.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from retrieval.models import SearchHit


class Citation(BaseModel):
    source: str
    title: str = ""
    heading: str = ""
    url: str | None = None
    also_in: list[str] = Field(default_factory=list, description="other guides with the same passage")


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = 0.0
    llm_calls: int = 0


class ToolCallInfo(BaseModel):
    """One tool call the route planned this turn (arguments redacted, as the state keeps them)."""

    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class AgentResult(BaseModel):
    answer: str
    citations: list[Citation] = Field(default_factory=list)
    route: Literal["answer", "tool", "escalate"]
    escalated: bool = False
    thread_id: str
    triage: dict[str, Any] | None = None
    retrieved: list[SearchHit] = Field(default_factory=list)
    query: str = Field(default="", description="what retrieval searched (a follow-up: its standalone query)")
    pending_action: dict[str, Any] | None = Field(default=None, description="a refund waiting for approval")
    usage: Usage = Field(default_factory=Usage)
    prompt_version: str = Field(default="", description="comma-joined name@vN refs used this turn")
    latency_s: float = 0.0
    ttft_s: float | None = Field(default=None, description="time to the first verified text")
    answer_mode: str = Field(
        default="", description="generated | extractive | abstained | tool | escalated | refused | pending"
    )
    evidence: float = 0.0
    coverage: float = 0.0
    route_reason: str = ""
    tool_calls: list[ToolCallInfo] = Field(default_factory=list, description="the turn's planned tool calls")

    def public(self) -> dict[str, Any]:
        """The DESIGN ``ask --json`` shape."""
        return {
            "answer": self.answer,
            "citations": [c.model_dump() for c in self.citations],
            "route": self.route,
            "escalated": self.escalated,
            "thread_id": self.thread_id,
        }

    def done_payload(self) -> dict[str, Any]:
        """The ``done`` event / ``stream=false`` payload of /v1/chat."""
        return {
            "answer": self.answer,
            "citations": [c.model_dump() for c in self.citations],
            "escalated": self.escalated,
            "usage": self.usage.model_dump(),
            "thread_id": self.thread_id,
            "route": self.route,
            "answer_mode": self.answer_mode,
            "pending_action": self.pending_action,
            "prompt_version": self.prompt_version,
        }


class AgentEvent(BaseModel):
    event: Literal["meta", "token", "citation", "done"]
    data: dict[str, Any]


class TicketAssist(BaseModel):
    """A ticket run of the graph: triage and a draft reply for a human agent to review."""

    triage: dict[str, Any] | None
    draft_reply: str
    citations: list[Citation] = Field(default_factory=list)
    escalated: bool = Field(default=False, description="same as needs_human (kept for the ticket API)")
    needs_human: bool = Field(
        default=False, description="triage's needs_human OR the draft is not trustworthy (see reasons)"
    )
    reasons: list[str] = Field(
        default_factory=list,
        description="why a human is needed: triage, injection, sensitive:*, no_verified_answer, "
        "low_evidence, low_coverage, rejected_sentences, echo, garbled, table, language:*",
    )
    prompt_version: str = ""
    answer_mode: str = ""
    usage: Usage = Field(default_factory=Usage)
    evidence: float = 0.0
    coverage: float = 0.0
    answerable: float | None = Field(default=None, description="the abstain classifier's P(answerable)")
    retrieved: list[SearchHit] = Field(
        default_factory=list, exclude=True, description="the passages the draft came from (evals; not stored)"
    )
