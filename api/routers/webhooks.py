"""``POST /v1/webhooks/{tenant}/tickets``: signed helpdesk events → persisted ticket → queue.

Order: size limit (middleware) → signature over the raw body → schema → one transaction
(event id + ticket; a repeated event id is a no-op) → ``202`` → enqueue. A ticket whose
enqueue failed stays ``queued`` in the database and is re-enqueued on the next start.
"""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from api.auth import cached_secrets
from api.deps import RuntimeDep
from api.errors import BACKPRESSURE_RESPONSES, ERROR_RESPONSES
from api.runtime import Runtime
from api.schemas import WebhookAccepted
from deskpilot.exceptions import AuthError, OverloadedError, UserInputError
from tickets import signing, store
from tickets.schemas import TicketEvent

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors()[:5]:
        loc = ".".join(str(x) for x in e.get("loc", ()))
        parts.append(f"{loc or 'body'}: {e.get('msg', 'invalid')}")
    return "; ".join(parts)


_depth_cache: dict[int, tuple[float, int]] = {}


def _shed_load(rt: Runtime) -> None:
    """Back-pressure: refuse new tickets (nothing stored) while the queue is over its bound.
    The depth is read at most once a second, so the accept path stays one transaction."""
    now = time.monotonic()
    seen = _depth_cache.get(id(rt))
    if seen is None or now - seen[0] > 1.0:
        try:
            seen = (now, rt.queue.depth())
        except Exception:  # a queue we cannot measure is not a reason to refuse work
            seen = (now, 0)
        _depth_cache[id(rt)] = seen
    if seen[1] >= rt.settings.max_queue_depth:
        raise OverloadedError(f"ticket queue is full ({seen[1]} waiting); retry later", retry_after_s=30)


def receive(rt: Runtime, tenant: str, header: str | None, raw: bytes) -> tuple[int, WebhookAccepted]:
    secrets = cached_secrets(rt.engine, tenant)
    if not secrets:  # unknown tenant: same answer as a bad signature (no tenant enumeration)
        raise AuthError("signature does not match", code="invalid_signature")
    signing.verify(header, raw, secrets, tolerance_s=rt.settings.webhook_tolerance_s)
    try:
        event = TicketEvent.model_validate_json(raw)
    except ValidationError as exc:
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            raise UserInputError("request body is not valid JSON", code="malformed_json") from None
        raise UserInputError(_validation_message(exc), code="validation_error", status=422) from None
    _shed_load(rt)
    ticket_id, created = store.accept(rt.engine, tenant, event)
    if not created:
        return 200, WebhookAccepted(status="duplicate", ticket_id=ticket_id)
    try:
        rt.queue.enqueue(ticket_id)
    except Exception:  # persisted: recovery on the next start re-enqueues it
        log.exception("enqueue of ticket %s failed; it stays queued", ticket_id)
    return 202, WebhookAccepted(status="accepted", ticket_id=ticket_id)


@router.post(
    "/v1/webhooks/{tenant}/tickets",
    status_code=202,
    response_model=WebhookAccepted,
    responses={
        200: {
            "model": WebhookAccepted,
            "description": "repeated event id: already accepted (its ticket_id), not re-processed",
        },
        **{k: ERROR_RESPONSES[k] for k in (400, 401, 413, 422)},
        **BACKPRESSURE_RESPONSES,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TicketEvent"}}},
        },
        "parameters": [
            {
                "name": signing.HEADER,
                "in": "header",
                "required": True,
                "description": "t=<unix>,v1=<hex HMAC-SHA256(secret, f'{t}.{raw_body}')>[,v1=...]",
                "schema": {"type": "string"},
                "example": "t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd",
            }
        ],
    },
    summary="Helpdesk ticket webhook (signed)",
)
async def ticket_webhook(
    tenant: str, request: Request, response: Response, rt: RuntimeDep
) -> WebhookAccepted:
    raw = await request.body()
    header = request.headers.get(signing.HEADER)
    status, body = await run_in_threadpool(receive, rt, tenant, header, raw)
    response.status_code = status
    return body
