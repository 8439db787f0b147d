"""What one ticket task does: claim, run agent-assist, store the result, call back.

Idempotent: a task for a ticket that is done, failed or being processed elsewhere does
nothing (``store.claim`` is an atomic queued → processing update).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sqlalchemy import Engine

from tickets import store
from tickets.callback import Callbacks

log = logging.getLogger(__name__)


class Assistant(Protocol):
    def assist_ticket(self, subject: str, body: str, *, tenant: str) -> Any: ...


class AssistObserver(Protocol):
    """What the worker reports a finished ticket to (``api.telemetry.Telemetry`` in the service)."""

    def observe_assist(self, result: dict[str, Any]) -> None: ...


def run_ticket(
    engine: Engine,
    assistant: Assistant,
    ticket_id: str,
    *,
    final_attempt: bool,
    callbacks: Callbacks | None = None,
    telemetry: AssistObserver | None = None,
) -> str:
    """Process one ticket; returns what happened: done | skipped | retry | failed."""
    if not store.claim(engine, ticket_id):
        return "skipped"
    row = store.load(engine, ticket_id)
    assert row is not None
    try:
        assist = assistant.assist_ticket(row.subject, row.body, tenant=row.tenant)
        result = assist.model_dump() if hasattr(assist, "model_dump") else dict(assist)
    except Exception as exc:
        log.warning("ticket %s failed: %s", ticket_id, exc)
        store.release(engine, ticket_id, f"{type(exc).__name__}: {exc}", final=final_attempt)
        if final_attempt:
            if callbacks is not None:
                callbacks.notify(row.tenant, ticket_id)
            return "failed"
        raise
    store.finish(engine, ticket_id, result)
    if telemetry is not None:
        telemetry.observe_assist(result)
    if callbacks is not None:
        callbacks.notify(row.tenant, ticket_id)
    return "done"
