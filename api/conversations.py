"""Threads, messages (with citations) and feedback, always scoped to one tenant."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine, select

from api.schemas import FeedbackRequest, MessageOut, ThreadOut, ThreadSummary
from api.tables import Feedback, Message, Thread, now
from deskpilot.db import session_scope
from deskpilot.exceptions import NotFoundError


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex}"


def open_thread(engine: Engine, tenant: str, thread_id: str | None, first_message: str) -> str:
    """Return the thread id to use: an existing thread of this tenant, or a new one."""
    thread_id = thread_id or uuid.uuid4().hex
    with session_scope(engine) as s:
        row = s.get(Thread, thread_id)
        if row is None:
            s.add(Thread(id=thread_id, tenant=tenant, title=first_message.strip()[:200]))
        elif row.tenant != tenant:
            raise NotFoundError(f"no thread {thread_id}")
    return thread_id


def add_message(
    engine: Engine,
    tenant: str,
    thread_id: str,
    role: str,
    content: str,
    *,
    done: dict[str, Any] | None = None,
) -> str:
    """Store one message; for an assistant turn ``done`` is the agent's done payload."""
    message_id = new_id("m_")
    done = done or {}
    with session_scope(engine) as s:
        s.add(
            Message(
                id=message_id,
                thread_id=thread_id,
                tenant=tenant,
                role=role,
                content=content,
                citations=list(done.get("citations") or []),
                route=done.get("route"),
                escalated=bool(done.get("escalated")),
                usage=done.get("usage"),
            )
        )
        thread = s.get(Thread, thread_id)
        if thread is not None:
            thread.updated_at = now()
            if role == "assistant":
                thread.pending_action = done.get("pending_action")
    return message_id


def _thread(s: Any, tenant: str, thread_id: str) -> Thread:
    row = s.get(Thread, thread_id)
    if row is None or row.tenant != tenant:
        raise NotFoundError(f"no thread {thread_id}")
    return row  # type: ignore[no-any-return]


def ensure_thread(engine: Engine, tenant: str, thread_id: str) -> Thread:
    with session_scope(engine) as s:
        return _thread(s, tenant, thread_id)


def get_thread(engine: Engine, tenant: str, thread_id: str) -> ThreadOut:
    with session_scope(engine) as s:
        row = _thread(s, tenant, thread_id)
        msgs = s.scalars(
            select(Message)
            .where(Message.thread_id == thread_id, Message.tenant == tenant)
            .order_by(Message.created_at, Message.id)
        )
        return ThreadOut(
            id=row.id,
            title=row.title,
            pending_action=row.pending_action,
            created_at=row.created_at,
            updated_at=row.updated_at,
            messages=[
                MessageOut(
                    id=m.id,
                    role="user" if m.role == "user" else "assistant",
                    content=m.content,
                    citations=m.citations or [],  # type: ignore[arg-type]
                    created_at=m.created_at,
                )
                for m in msgs
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


def add_feedback(engine: Engine, tenant: str, req: FeedbackRequest) -> int:
    with session_scope(engine) as s:
        msg = s.get(Message, req.message_id)
        if msg is None or msg.tenant != tenant or msg.thread_id != req.thread_id:
            raise NotFoundError(f"no message {req.message_id} in thread {req.thread_id}")
        row = Feedback(
            tenant=tenant,
            thread_id=req.thread_id,
            message_id=req.message_id,
            rating=req.rating,
            comment=req.comment,
            corrected_answer=req.corrected_answer,
        )
        s.add(row)
        s.flush()
        return row.id
