"""SQLAlchemy tables of the HTTP service; every row belongs to a tenant.

The tenant, webhook-secret, ticket and webhook-event tables belong to the ticket pipeline
(:mod:`tickets.tables`); they are re-exported here so the API sees one set of tables.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from deskpilot.db import Base, now
from tickets.tables import TABLES as TICKET_TABLES
from tickets.tables import Tenant, Ticket, WebhookEvent, WebhookSecret

# every table the service creates: the ticket pipeline's own, then the API's
TABLES = (*TICKET_TABLES, "api_keys", "api_threads", "api_feedback", "api_migrations")


class ApiKey(Base):
    """Only the sha256 of the (high-entropy) key is stored."""

    __tablename__ = "api_keys"
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(ForeignKey("api_tenants.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Thread(Base):
    """The thread index (ownership, listing); the messages live in the agent's checkpoint."""

    __tablename__ = "api_threads"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    pending_action: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)


class Feedback(Base):
    __tablename__ = "api_feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    thread_id: Mapped[str] = mapped_column(String(64), index=True)
    # a checkpoint message id (the transcript is the checkpoint, not a table here)
    message_id: Mapped[str] = mapped_column(String(64), index=True)
    rating: Mapped[str] = mapped_column(String(8))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    corrected_answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


class Migration(Base):
    """Data migrations already applied to this database (see ``api.migrate``)."""

    __tablename__ = "api_migrations"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)


__all__ = [
    "TABLES",
    "ApiKey",
    "Feedback",
    "Migration",
    "Tenant",
    "Thread",
    "Ticket",
    "WebhookEvent",
    "WebhookSecret",
    "now",
]
