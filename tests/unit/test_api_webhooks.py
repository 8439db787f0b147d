"""Signed ticket webhook → persisted ticket → huey (MemoryHuey consumer thread) → real agent-assist."""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

import json
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from api.auth import rotate_secret
from api.tables import Ticket
from deskpilot.db import session_scope
from tests.fixtures.api.support import (  # noqa: F401
    OTHER,
    TENANT,
    agent_kb,
    agent_settings,
    make_api,
    ticket_event,
)
from tickets.signing import HEADER, sign


def _ticket_rows(api: Any) -> int:
    with session_scope(api.runtime.engine) as s:
        return int(s.scalar(select(func.count()).select_from(Ticket)) or 0)


@pytest.mark.integration  # needs MiniLM: evidence thresholds are calibrated on its cosines
def test_accepted_ticket_is_processed_with_triage_draft_and_citations(make_api: Any) -> None:
    api = make_api()
    r = api.post_ticket(ticket_event("evt_1"))
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["status"] == "accepted" and body["ticket_id"].startswith("tk_")
    done = api.wait_ticket(body["ticket_id"])
    assert done["status"] == "done", done
    assert "business days" in done["draft_reply"]
    assert [c["source"] for c in done["citations"]] == ["refunds.md"]
    # the helpdesk's own ticket id finds it too
    assert api.client.get("/v1/tickets/T-1", headers=api.auth()).json()["ticket_id"] == body["ticket_id"]


def test_duplicate_event_is_acknowledged_and_processed_once(make_api: Any) -> None:
    api = make_api()
    first = api.post_ticket(ticket_event("evt_dup"))
    again = api.post_ticket(ticket_event("evt_dup"))
    assert first.status_code == 202 and again.status_code == 200
    assert again.json() == {"status": "duplicate", "ticket_id": first.json()["ticket_id"]}
    assert api.wait_ticket(first.json()["ticket_id"])["status"] == "done"
    assert _ticket_rows(api) == 1
    # a re-delivered task for a done ticket does nothing
    assert api.runtime.queue._process(first.json()["ticket_id"]) == "skipped"


def test_bad_expired_and_rotated_signatures(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False)
    bad = api.post_ticket(ticket_event("e1"), secrets=["whsec_wrong"])
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "invalid_signature"
    expired = api.post_ticket(ticket_event("e2"), timestamp=int(time.time()) - 301)
    assert expired.status_code == 401 and "tolerance" in expired.json()["error"]["message"]
    other_tenant_secret = api.post_ticket(ticket_event("e3"), secrets=[api.secret(OTHER)])
    assert other_tenant_secret.status_code == 401
    assert api.post_ticket(ticket_event("e4")).status_code == 202
    new = rotate_secret(api.runtime.engine, TENANT)
    assert api.post_ticket(ticket_event("e5"), secrets=[new]).status_code == 202
    assert api.post_ticket(ticket_event("e6"), secrets=[api.secret()]).status_code == 202  # old still active
    assert api.post_ticket(ticket_event("e7"), secrets=["whsec_x", new]).status_code == 202
    rotate_secret(api.runtime.engine, TENANT, retire_old=True)
    assert api.post_ticket(ticket_event("e8"), secrets=[new]).status_code == 401
    assert _ticket_rows(api) == 4


def test_missing_header_unknown_tenant_malformed_and_wrong_types(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False)
    body = json.dumps(ticket_event("e1")).encode()
    r = api.client.post(f"/v1/webhooks/{TENANT}/tickets", content=body)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_signature"
    r = api.client.post("/v1/webhooks/nobody/tickets", content=body, headers={HEADER: sign(["x"], body)})
    assert r.status_code == 401
    raw = b'{"id": "e2", "ticket": '
    r = api.client.post(
        f"/v1/webhooks/{TENANT}/tickets", content=raw, headers={HEADER: sign([api.secret()], raw)}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
    wrong = json.dumps({"id": "e3", "ticket": {"id": "T", "body": 5}}).encode()
    r = api.client.post(
        f"/v1/webhooks/{TENANT}/tickets", content=wrong, headers={HEADER: sign([api.secret()], wrong)}
    )
    assert r.status_code == 422 and "ticket.body" in r.json()["error"]["message"]
    assert _ticket_rows(api) == 0


def test_oversized_webhook_body_is_413_json(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False)
    r = api.post_ticket(ticket_event("big", body="x" * 10_000))
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"

    def chunks() -> Any:  # no Content-Length: counted while streaming
        for _ in range(20):
            yield b"x" * 1000

    r = api.client.post(f"/v1/webhooks/{TENANT}/tickets", content=chunks())
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_tickets_are_tenant_scoped(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False)
    tid = api.post_ticket(ticket_event("e1")).json()["ticket_id"]
    assert api.client.get(f"/v1/tickets/{tid}", headers=api.auth()).json()["status"] == "queued"
    r = api.client.get(f"/v1/tickets/{tid}", headers=api.auth(OTHER))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_full_queue_sheds_load_with_503_and_stores_nothing(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False, max_queue_depth=2)
    accepted = [api.post_ticket(ticket_event(f"evt_bp{i}", f"T-bp{i}")) for i in range(2)]
    assert [r.status_code for r in accepted] == [202, 202]
    time.sleep(1.1)  # the depth is sampled at most once a second
    shed = api.post_ticket(ticket_event("evt_bp2", "T-bp2"))
    assert shed.status_code == 503, shed.text
    assert shed.json()["error"]["code"] == "overloaded"
    assert int(shed.headers["Retry-After"]) > 0
    assert _ticket_rows(api) == 2  # nothing stored for the refused event: the helpdesk retries it
