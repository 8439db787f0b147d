"""Refund approval, callbacks, crash recovery, metrics, health, OpenAPI and the widget files."""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

import contextlib
import json
from typing import Any

import httpx
from sqlalchemy import update

from api.auth import set_callback
from api.tables import Ticket
from deskpilot.db import session_scope
from tests.fixtures.api.support import (  # noqa: F401
    Q_REFUND,
    TENANT,
    agent_kb,
    agent_settings,
    make_api,
    ticket_event,
)
from tickets import store as tickets
from tickets.callback import EVENT_ID_HEADER, Callbacks
from tickets.signing import HEADER, verify


def test_refund_waits_for_approval_then_resumes(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False)
    r = api.client.post(
        "/v1/chat",
        json={"message": "Please refund ch_1001, I cancelled the order", "stream": False},
        headers=api.auth(),
    )
    body = r.json()
    assert body["pending_action"]["charge_id"] == "ch_1001"
    tid = body["thread_id"]
    thread = api.client.get(f"/v1/threads/{tid}", headers=api.auth()).json()
    assert thread["pending_action"]["amount"] == 4200
    assert api.client.get("/v1/threads", headers=api.auth()).json()["threads"][0]["pending"] is True
    r = api.client.post(f"/v1/threads/{tid}/approval", json={"approved": True}, headers=api.auth())
    assert r.status_code == 200, r.text
    assert "Refund re_" in r.json()["answer"] and r.json()["pending_action"] is None
    assert api.client.get(f"/v1/threads/{tid}", headers=api.auth()).json()["pending_action"] is None


def test_signed_callback_retries_with_backoff_until_delivered(make_api: Any) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503 if len(seen) < 3 else 200)

    api = make_api(transport=httpx.MockTransport(handler))
    secret = set_callback(api.runtime.engine, TENANT, "http://127.0.0.1:9/hook")
    assert secret
    sleeps: list[float] = []
    api.runtime.queue.callbacks = Callbacks(
        api.runtime.engine, transport=httpx.MockTransport(handler), sleep=sleeps.append, base_delay_s=0.1
    )
    tid = api.post_ticket(ticket_event("cb1")).json()["ticket_id"]
    assert api.wait_ticket(tid)["status"] == "done"
    assert len(seen) == 3 and sleeps == [0.1, 0.2]
    last = seen[-1]
    verify(last.headers[HEADER], last.content, [secret], tolerance_s=300)
    # every attempt carries the same idempotency key, so a receiver applies the effect once
    assert {r.headers[EVENT_ID_HEADER] for r in seen} == {f"ticket.completed:{tid}"}
    payload = json.loads(last.content)
    assert (
        payload["event"] == "ticket.completed" and payload["ticket_id"] == tid and payload["status"] == "done"
    )
    assert tickets.load(api.runtime.engine, tid).callback_status == "delivered"  # type: ignore[union-attr]


def test_callback_gives_up_after_attempts() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ConnectError("refused")

    cb = Callbacks(engine=None, transport=httpx.MockTransport(handler), sleep=lambda _: None, attempts=3)  # type: ignore[arg-type]
    assert cb._deliver("http://127.0.0.1:9/x", "s", b"{}", "ticket.completed:t1") is False and len(calls) == 3


def test_restart_re_enqueues_queued_and_processing_tickets(make_api: Any) -> None:
    first = make_api(run_worker_in_process=False)
    a = first.post_ticket(ticket_event("r1", "T-1")).json()["ticket_id"]
    b = first.post_ticket(ticket_event("r2", "T-2")).json()["ticket_id"]
    with session_scope(first.runtime.engine) as s:  # simulate a crash mid-task
        s.execute(update(Ticket).where(Ticket.id == b).values(status="processing"))
    second = make_api()  # same database, fresh queue: lifespan recovery + worker thread
    assert second.wait_ticket(a)["status"] == "done"
    assert second.wait_ticket(b)["status"] == "done"


def test_failing_assist_retries_then_marks_failed(make_api: Any) -> None:
    class Broken:
        calls = 0

        def assist_ticket(self, subject: str, body: str, *, tenant: str) -> Any:
            Broken.calls += 1
            raise RuntimeError("model down")

    api = make_api(run_worker_in_process=False, agent=Broken())
    tid = api.post_ticket(ticket_event("f1")).json()["ticket_id"]
    q = api.runtime.queue
    for _ in range(3):  # what huey does: the attempt with no retries left is final
        with contextlib.suppress(RuntimeError):
            q._process(tid, task=type("T", (), {"retries": 2 - Broken.calls})())
    out = api.client.get(f"/v1/tickets/{tid}", headers=api.auth()).json()
    assert out["status"] == "failed" and "model down" in out["error"] and Broken.calls == 3


def test_metrics_health_readiness_and_openapi(make_api: Any) -> None:
    api = make_api()
    tid = api.post_ticket(ticket_event("m1")).json()["ticket_id"]
    api.wait_ticket(tid)
    api.client.post("/v1/chat", json={"message": Q_REFUND, "stream": False}, headers=api.auth())
    text = api.client.get("/metrics").text
    assert 'deskpilot_http_requests_total{method="POST",route="/v1/chat",status="200"} 1.0' in text
    assert 'route="/v1/webhooks/{tenant}/tickets"' in text
    assert "deskpilot_triage_confidence" in text and "deskpilot_queue_depth" in text
    assert 'deskpilot_tickets{status="done"} 1.0' in text
    assert 'deskpilot_llm_tokens_total{kind="prompt"}' in text
    assert api.client.get("/healthz").json()["status"] == "ok"
    ready = api.client.get("/readyz")
    assert ready.json()["checks"]["database"].startswith("ok") and ready.json()["checks"]["index"].startswith(
        "ok"
    )
    spec = api.client.get("/openapi.json").json()
    assert {"/v1/chat", "/v1/threads/{thread_id}", "/v1/feedback", "/v1/webhooks/{tenant}/tickets"} <= set(
        spec["paths"]
    )
    hook = spec["paths"]["/v1/webhooks/{tenant}/tickets"]["post"]
    assert hook["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/TicketEvent")
    assert "TicketIn" in spec["components"]["schemas"] and "401" in hook["responses"]
    assert spec["components"]["schemas"]["ChatRequest"]["examples"]


def test_widget_page_and_embed_script_are_served_offline(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False)
    page = api.client.get("/widget")
    assert page.status_code == 200 and "/static/widget.js" in page.text
    assert "http" not in page.text  # nothing loaded from elsewhere (offline, no CDN)
    for path in ("/static/widget.js", "/static/widget.css", "/widget.js"):
        r = api.client.get(path)
        assert r.status_code == 200 and len(r.text) > 500
    assert "://" not in api.client.get("/static/widget.js").text
    assert "/widget" in api.client.get("/widget.js").text
