"""Threads and feedback, always scoped to one tenant.

The transcript is the agent's checkpoint (``AgentService.history``: redacted by the guard
before the graph ran) and nothing else: this module keeps only a thread index (tenant, a
redacted title, timestamps, the pending action) for listing and ownership checks, and the
feedback on assistant messages, which point at checkpoint message ids.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine, select

from agent.guard.scrub import scrub
from api.schemas import FeedbackRequest, MessageOut, ThreadOut, ThreadSummary
from api.tables import Feedback, Thread, now
from deskpilot.db import session_scope
from deskpilot.exceptions import NotFoundError

# one message for "no such id" and "another tenant's id": the two must be indistinguishable
NO_THREAD = "no such thread"


def open_thread(engine: Engine, tenant: str, thread_id: str | None, first_message: str) -> str:
    """The thread to use: a new server-generated one, or an existing thread of this tenant.

    A client never chooses a new id: an id that is unknown or owned by another tenant is
    the same ``404``. The title is the redacted first message.
    """
    with session_scope(engine) as s:
        if thread_id is not None:
            _thread(s, tenant, thread_id)
            return thread_id
        thread_id = uuid.uuid4().hex
        s.add(Thread(id=thread_id, tenant=tenant, title=(scrub(first_message.strip()) or "")[:200]))
    return thread_id


def touch_thread(engine: Engine, tenant: str, thread_id: str, pending_action: dict[str, Any] | None) -> None:
    """After a turn: bump ``updated_at`` and remember whether an action waits for approval."""
    with session_scope(engine) as s:
        row = _thread(s, tenant, thread_id)
        row.updated_at = now()
        row.pending_action = pending_action


def _thread(s: Any, tenant: str, thread_id: str) -> Thread:
    row = s.get(Thread, thread_id)
    if row is None or row.tenant != tenant:
        raise NotFoundError(NO_THREAD)
    return row


def ensure_thread(engine: Engine, tenant: str, thread_id: str) -> Thread:
    with session_scope(engine) as s:
        return _thread(s, tenant, thread_id)


def transcript(agent: Any, tenant: str, thread_id: str) -> list[dict[str, Any]]:
    """The thread's messages from the checkpoint; empty when the agent never got to run."""
    try:
        return list(agent.history(thread_id, tenant=tenant))
    except NotFoundError:
        return []


def last_answer_id(agent: Any, tenant: str, thread_id: str) -> str | None:
    """Id of this turn's answer (what feedback on it refers to): the assistant message after the
    newest user message; None while the turn has none (a refund waiting for approval)."""
    for m in reversed(transcript(agent, tenant, thread_id)):
        if m.get("role") == "user":
            return None
        if m.get("role") == "assistant":
            return str(m["id"])
    return None


def get_thread(engine: Engine, agent: Any, tenant: str, thread_id: str) -> ThreadOut:
    row = ensure_thread(engine, tenant, thread_id)
    return ThreadOut(
        id=row.id,
        title=row.title,
        pending_action=row.pending_action,
        created_at=row.created_at,
        updated_at=row.updated_at,
        messages=[
            MessageOut(
                id=str(m["id"]),
                role="user" if m.get("role") == "user" else "assistant",
                content=str(m.get("content") or ""),
                citations=m.get("citations") or [],
                created_at=m.get("created_at"),
            )
            for m in transcript(agent, tenant, thread_id)
        ],
    )


def list_threads(engine: Engine, tenant: str, limit: int = 50) -> list[ThreadSummary]:
    with session_scope(engine) as s:
        rows = s.scalars(
            select(Thread).where(Thread.tenant == tenant).order_by(Thread.updated_at.desc()).limit(limit)
        )
        return [
            ThreadSummary(
                id=r.id, title=r.title, pending=r.pending_action is not None, updated_at=r.updated_at
            )
            for r in rows
        ]


def add_feedback(engine: Engine, agent: Any, tenant: str, req: FeedbackRequest) -> int:
    """Feedback on an assistant message of this tenant's thread; its text is stored redacted."""
    missing = NotFoundError("no such message in that thread")
    try:
        ensure_thread(engine, tenant, req.thread_id)
    except NotFoundError:
        raise missing from None
    answers = {m["id"] for m in transcript(agent, tenant, req.thread_id) if m.get("role") == "assistant"}
    if req.message_id not in answers:
        raise missing
    with session_scope(engine) as s:
        row = Feedback(
            tenant=tenant,
            thread_id=req.thread_id,
            message_id=req.message_id,
            rating=req.rating,
            comment=scrub(req.comment),
            corrected_answer=scrub(req.corrected_answer),
        )
        s.add(row)
        s.flush()
        return row.id
