"""Signed completion callbacks to a tenant's URL, with retries and exponential backoff.

The body is the ``GET /v1/tickets/{id}`` payload plus ``event: "ticket.completed"``; the
``Deskpilot-Signature`` header is made exactly like the incoming webhook's, with the
tenant's callback secret.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

import httpx
from sqlalchemy import Engine

from deskpilot.db import session_scope
from tickets import signing, store
from tickets.tables import Tenant, Ticket

log = logging.getLogger(__name__)
EVENT_ID_HEADER = "Deskpilot-Event-Id"


class Callbacks:
    def __init__(
        self,
        engine: Engine,
        *,
        attempts: int = 4,
        base_delay_s: float = 0.5,
        timeout_s: float = 5.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.attempts = attempts
        self.base_delay_s = base_delay_s
        self.timeout_s = timeout_s
        self.transport = transport
        self.sleep = sleep

    def notify(self, tenant: str, ticket_id: str) -> str | None:
        """Deliver the callback if the tenant has one; returns delivered | failed | None."""
        with session_scope(self.engine) as s:
            t = s.get(Tenant, tenant)
            row = s.get(Ticket, ticket_id)
            if t is None or not t.callback_url or not t.callback_secret or row is None:
                return None
            url, secret = t.callback_url, t.callback_secret
            payload = {"event": "ticket.completed", **store.to_out(row).model_dump(mode="json")}
        body = json.dumps(payload, separators=(",", ":")).encode()
        event_id = f"ticket.completed:{ticket_id}"
        status = "delivered" if self._deliver(url, secret, body, event_id) else "failed"
        store.set_callback_status(self.engine, ticket_id, status)
        return status

    def deliver(self, url: str, secret: str, body: bytes, event_id: str) -> bool:
        """POST ``body`` signed with ``secret`` (``Deskpilot-Signature``), retried: any signed
        notification (the nightly eval's included) goes out exactly like a ticket callback."""
        return self._deliver(url, secret, body, event_id)

    def _deliver(self, url: str, secret: str, body: bytes, event_id: str) -> bool:
        with httpx.Client(transport=self.transport, timeout=self.timeout_s) as client:
            for attempt in range(self.attempts):
                try:
                    resp = client.post(
                        url,
                        content=body,
                        headers={
                            "Content-Type": "application/json",
                            signing.HEADER: signing.sign([secret], body),
                            # the same id on every retry and re-delivery: receivers dedupe on it
                            EVENT_ID_HEADER: event_id,
                        },
                    )
                    if resp.status_code < 300:
                        return True
                    if 400 <= resp.status_code < 500 and resp.status_code not in (408, 429):
                        log.warning("callback to %s refused: %s", url, resp.status_code)
                        return False
                except httpx.HTTPError as exc:
                    log.info("callback to %s failed: %s", url, exc)
                if attempt + 1 < self.attempts:
                    self.sleep(self.base_delay_s * 2**attempt)
        return False
