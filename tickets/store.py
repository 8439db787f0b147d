"""Ticket persistence: idempotent acceptance, claiming, results, crash recovery."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agent.guard.scrub import scrub, scrub_pair
from deskpilot.db import new_id, now, session_scope
from deskpilot.exceptions import NotFoundError
from tickets.schemas import TicketEvent, TicketOut, TriageOut
from tickets.tables import Ticket, WebhookEvent

TRIAGE_KEYS = ("queue", "confidence", "priority", "sentiment", "language", "needs_human")


def accept(engine: Engine, tenant: str, event: TicketEvent) -> tuple[str, bool]:
    """Persist the event and its ticket in one transaction: ``(ticket_id, True)``; for a
    repeated event id nothing is stored and the first delivery's ``(ticket_id, False)`` returns.

    Subject and body are stored redacted (what the review screens show); the customer email
    is not stored at all. SQLAlchemy Core inserts (no ORM unit of work): this is the hot path.
    """
    ticket_id = new_id("tk_")
    t = event.ticket
    subject, body = scrub_pair(t.subject, t.body)
    stamp = now()
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(WebhookEvent),
                {"tenant": tenant, "event_id": event.id, "ticket_id": ticket_id, "received_at": stamp},
            )
            conn.execute(
                insert(Ticket),
                {
                    "id": ticket_id,
                    "tenant": tenant,
                    "external_id": t.id,
                    "event_id": event.id,
                    "subject": subject,
                    "body": body,
                    "customer_email": None,
                    "channel": t.channel,
                    "status": "queued",
                    "attempts": 0,
                    "citations": [],
                    "escalated": False,
                    "created_at": stamp,
                    "updated_at": stamp,
                },
            )
    except IntegrityError:
        return _first_delivery(engine, tenant, event.id), False
    return ticket_id, True


def _first_delivery(engine: Engine, tenant: str, event_id: str) -> str:
    with session_scope(engine) as s:
        found = s.scalars(
            select(WebhookEvent.ticket_id).where(
                WebhookEvent.tenant == tenant, WebhookEvent.event_id == event_id
            )
        ).first()
    if found is None:  # the unique constraint fired, so the row exists; anything else is a bug
        raise RuntimeError("duplicate webhook event without its first delivery")
    return str(found)


def _find(s: Session, tenant: str, ticket_id: str) -> Ticket | None:
    row = s.get(Ticket, ticket_id)
    if row is not None and row.tenant == tenant:
        return row
    # the helpdesk's own ticket id works too: the newest event for it wins
    return s.scalars(
        select(Ticket)
        .where(Ticket.tenant == tenant, Ticket.external_id == ticket_id)
        .order_by(Ticket.created_at.desc())
        .limit(1)
    ).first()


def to_out(row: Ticket) -> TicketOut:
    triage = None
    if row.triage:
        triage = TriageOut.model_validate(
            {k: row.triage.get(k) for k in TRIAGE_KEYS if row.triage.get(k) is not None}
        )
    return TicketOut(
        ticket_id=row.id,
        external_id=row.external_id,
        status=row.status,  # type: ignore[arg-type]
        triage=triage,
        draft_reply=row.draft_reply,
        citations=row.citations or [],  # type: ignore[arg-type]
        escalated=row.escalated,
        error=row.error,
    )


def get(engine: Engine, tenant: str, ticket_id: str) -> TicketOut:
    with session_scope(engine) as s:
        row = _find(s, tenant, ticket_id)
        if row is None:
            raise NotFoundError("no such ticket")
        return to_out(row)


def load(engine: Engine, ticket_id: str) -> Ticket | None:
    with session_scope(engine) as s:
        return s.get(Ticket, ticket_id)


def claim(engine: Engine, ticket_id: str) -> bool:
    """queued → processing, atomically; False when done, failed or claimed by someone else."""
    with session_scope(engine) as s:
        res = s.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.status == "queued")
            .values(status="processing", attempts=Ticket.attempts + 1, updated_at=now())
        )
        return bool(res.rowcount)  # type: ignore[attr-defined]


def finish(engine: Engine, ticket_id: str, result: dict[str, Any]) -> None:
    with session_scope(engine) as s:
        s.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(
                status="done",
                triage=result.get("triage"),
                draft_reply=result.get("draft_reply"),
                citations=result.get("citations") or [],
                escalated=bool(result.get("escalated")),
                usage=result.get("usage"),
                error=None,
                updated_at=now(),
            )
        )


def release(engine: Engine, ticket_id: str, error: str, *, final: bool) -> None:
    """After an error: back to queued for the next retry, or failed for good (message redacted)."""
    with session_scope(engine) as s:
        s.execute(
            update(Ticket)
            .where(Ticket.id == ticket_id)
            .values(status="failed" if final else "queued", error=scrub(error[:2000]), updated_at=now())
        )


def set_callback_status(engine: Engine, ticket_id: str, status: str) -> None:
    with session_scope(engine) as s:
        s.execute(update(Ticket).where(Ticket.id == ticket_id).values(callback_status=status))


def unfinished(engine: Engine) -> list[str]:
    """Tickets a crash may have left behind: processing ones go back to queued."""
    with session_scope(engine) as s:
        s.execute(update(Ticket).where(Ticket.status == "processing").values(status="queued"))
        return list(
            s.scalars(select(Ticket.id).where(or_(Ticket.status == "queued")).order_by(Ticket.created_at))
        )


def callbacks_owed(engine: Engine) -> list[tuple[str, str]]:
    """(tenant, ticket_id) of finished tickets whose callback was never attempted.

    A crash between ``finish`` and the callback leaves ``callback_status`` empty; recovery
    delivers those (receivers dedupe on the ``Deskpilot-Event-Id`` header).
    """
    from tickets.tables import Tenant

    with session_scope(engine) as s:
        rows = s.execute(
            select(Ticket.tenant, Ticket.id)
            .join(Tenant, Tenant.id == Ticket.tenant)
            .where(
                Ticket.status.in_(("done", "failed")),
                Ticket.callback_status.is_(None),
                Tenant.callback_url.is_not(None),
            )
            .order_by(Ticket.created_at)
        )
        return [(str(tenant), str(tid)) for tenant, tid in rows]


def counts(engine: Engine) -> dict[str, int]:
    from sqlalchemy import func

    with session_scope(engine) as s:
        rows = s.execute(select(Ticket.status, func.count()).group_by(Ticket.status))
        return {status: int(n) for status, n in rows}
