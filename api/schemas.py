"""Request and response bodies of the HTTP API (DESIGN "HTTP API"), with OpenAPI examples."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from tickets.schemas import CITATION_EXAMPLE, CitationOut


def _as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC, so say so (RFC 3339)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class ErrorBody(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["no thread 9f2c"])


class ErrorResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": {"code": "not_found", "message": "no thread 9f2c"}}]}
    )
    error: ErrorBody


class ChatRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"message": "How long do refunds take?", "stream": True}]},
    )
    message: str = Field(min_length=1, description="the question; at most settings.max_message_chars")
    thread_id: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="continue a thread the server created (from `meta`/`done`); omit to start one. "
        "An unknown id and another tenant's id are the same 404.",
    )
    stream: bool = True
    run: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="a run configuration the server defines (settings `run_variants`) to answer with, "
        "e.g. one arm of an experiment; omit for the default. Unknown names are a 404 `unknown_run` (a run is a server resource, like a thread).",
    )


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = 0.0


class ChatDone(BaseModel):
    """The ``done`` SSE event, and the whole body when ``stream=false``."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "answer": "Refunds reach the card in 5-10 business days [1].",
                    "citations": [CITATION_EXAMPLE],
                    "escalated": False,
                    "usage": {
                        "prompt_tokens": 412,
                        "completion_tokens": 31,
                        "total_tokens": 443,
                        "cost_usd": 0,
                    },
                    "thread_id": "5b0e6a1c2f3d4e5f",
                    "message_id": "3f2b7c1e-9a4d-4e8b-b1c2-5d6e7f8a9b0c",
                    "route": "answer",
                    "pending_action": None,
                }
            ]
        },
    )
    answer: str
    citations: list[CitationOut] = Field(default_factory=list)
    escalated: bool = False
    usage: dict[str, Any] = Field(default_factory=dict)
    thread_id: str = Field(description="the server-generated thread id; send it back to continue")
    message_id: str = Field(
        description="the answer's id in the transcript (for feedback); empty while a refund waits for approval"
    )
    route: str = "answer"
    pending_action: dict[str, Any] | None = None
    run: str = Field(
        default="default", description="the run configuration that answered (`run` of the request)"
    )


class MessageOut(BaseModel):
    """One message of the (redacted) transcript the agent keeps in its checkpoint."""

    id: str
    role: Literal["user", "assistant"]
    content: str = Field(description="PII (cards, IBANs, secrets, emails, phones) appears as [KIND_n]")
    citations: list[CitationOut] = Field(default_factory=list)
    created_at: UtcDatetime | None = Field(default=None, description="not kept per message: null")


class ThreadOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "5b0e6a1c2f3d4e5f",
                    "title": "How long do refunds take?",
                    "pending_action": None,
                    "created_at": "2026-01-05T10:00:00Z",
                    "updated_at": "2026-01-05T10:00:03Z",
                    "messages": [
                        {
                            "id": "8d0c4b3e-2f1a-4c5b-9e7d-6a5b4c3d2e1f",
                            "role": "user",
                            "content": "How long do refunds take?",
                            "citations": [],
                            "created_at": None,
                        }
                    ],
                }
            ]
        }
    )
    id: str
    title: str
    pending_action: dict[str, Any] | None = None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    messages: list[MessageOut] = Field(default_factory=list)


class ThreadSummary(BaseModel):
    id: str
    title: str
    pending: bool = False
    updated_at: UtcDatetime


class ThreadList(BaseModel):
    threads: list[ThreadSummary]


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "thread_id": "5b0e6a1c2f3d4e5f",
                    "message_id": "3f2b7c1e-9a4d-4e8b-b1c2-5d6e7f8a9b0c",
                    "rating": "up",
                    "comment": "spot on",
                }
            ]
        },
    )
    thread_id: str = Field(max_length=64)
    message_id: str = Field(max_length=64)
    rating: Literal["up", "down"]
    comment: str | None = Field(default=None, max_length=4000)
    corrected_answer: str | None = Field(default=None, max_length=8000)


class FeedbackOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 17, "status": "recorded"}]})
    id: int
    status: Literal["recorded"] = "recorded"


class ApprovalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"approved": True}]})
    approved: bool


class WebhookAccepted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "accepted", "ticket_id": "tk_3f9a0c1d2e4b5a6f"},
                {"status": "duplicate", "ticket_id": "tk_3f9a0c1d2e4b5a6f"},
            ]
        }
    )
    status: Literal["accepted", "duplicate"]
    ticket_id: str = Field(description="our ticket id; for a duplicate, the first delivery's")


class Health(BaseModel):
    status: Literal["ok", "fail"]
    checks: dict[str, str] = Field(default_factory=dict)
