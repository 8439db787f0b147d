"""Bodies of the ticket pipeline: the helpdesk event in, the triaged ticket out (DESIGN "HTTP API")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CITATION_EXAMPLE: dict[str, Any] = {
    "source": "refunds.md",
    "title": "Refunds",
    "heading": "Partial refunds",
    "url": "https://docs.acme.test/refunds",
}


class CitationOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CITATION_EXAMPLE]})
    source: str
    title: str = ""
    heading: str = ""
    url: str | None = None
    also_in: list[str] = Field(default_factory=list, description="other guides holding the same passage")


class TicketIn(BaseModel):
    id: str = Field(min_length=1, max_length=200)
    subject: str = Field(default="", max_length=1000)
    body: str = Field(max_length=20000)
    customer_email: str | None = Field(default=None, max_length=320)
    channel: str | None = Field(default=None, max_length=64)
    created_at: datetime | None = None


class TicketEvent(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "evt_01HZX",
                    "ticket": {
                        "id": "T-1042",
                        "subject": "Refund not received",
                        "body": "I was refunded a week ago but nothing arrived on my card.",
                        "customer_email": "jane@example.com",
                        "channel": "email",
                    },
                }
            ]
        }
    )
    id: str = Field(min_length=1, max_length=200, description="event id: repeated ids are ignored")
    ticket: TicketIn


class TriageOut(BaseModel):
    queue: str | None = None
    confidence: float = 0.0
    priority: str | None = None
    sentiment: str | None = None
    language: str | None = None
    needs_human: bool = False


class TicketOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ticket_id": "tk_3f9a0c1d2e4b5a6f",
                    "external_id": "T-1042",
                    "status": "done",
                    "triage": {
                        "queue": "refunds",
                        "confidence": 0.91,
                        "priority": "P2",
                        "sentiment": "negative",
                        "language": "en",
                        "needs_human": False,
                    },
                    "draft_reply": "Refunds reach the card in 5-10 business days [1].",
                    "citations": [CITATION_EXAMPLE],
                    "error": None,
                }
            ]
        }
    )
    ticket_id: str
    external_id: str
    status: Literal["queued", "processing", "done", "failed"]
    triage: TriageOut | None = None
    draft_reply: str | None = None
    citations: list[CitationOut] = Field(default_factory=list)
    escalated: bool = False
    error: str | None = None
