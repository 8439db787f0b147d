"""/v1/chat, threads and feedback through the real app and the real agent (LLM mocked in LiteLLM)."""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

from typing import Any

import pytest
from sqlalchemy import select

from api.tables import Feedback
from deskpilot.db import session_scope
from tests.fixtures.api.support import (  # noqa: F401
    OTHER,
    Q_REFUND,
    TENANT,
    agent_kb,
    agent_settings,
    make_api,
    sse_events,
)


@pytest.mark.integration  # needs MiniLM: evidence thresholds are calibrated on its cosines
def test_chat_streams_meta_tokens_citations_done_and_stores_the_thread(make_api: Any) -> None:
    api = make_api()
    with api.client.stream("POST", "/v1/chat", json={"message": Q_REFUND}, headers=api.auth()) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r)
    names = [e for e, _ in events]
    assert names[0] == "meta" and names[-1] == "done" and "token" in names and "citation" in names
    meta, done = events[0][1], events[-1][1]
    tokens = "".join(d["text"] for e, d in events if e == "token")
    assert "5 to 10 business days" in tokens
    assert done["thread_id"] == meta["thread_id"] and done["message_id"]
    assert [c["source"] for c in done["citations"]] == ["refunds.md"]

    thread = api.client.get(f"/v1/threads/{done['thread_id']}", headers=api.auth()).json()
    assert [m["role"] for m in thread["messages"]] == ["user", "assistant"]
    assert thread["messages"][1]["id"] == done["message_id"]
    assert thread["messages"][1]["citations"][0]["source"] == "refunds.md"
    listed = api.client.get("/v1/threads", headers=api.auth()).json()["threads"]
    assert [t["id"] for t in listed] == [done["thread_id"]]


@pytest.mark.integration  # needs MiniLM: evidence thresholds are calibrated on its cosines
def test_chat_without_stream_returns_the_done_payload(make_api: Any) -> None:
    api = make_api()
    r = api.client.post("/v1/chat", json={"message": Q_REFUND, "stream": False}, headers=api.auth())
    assert r.status_code == 200, r.text
    body = r.json()
    assert "business days" in body["answer"] and body["escalated"] is False
    assert body["citations"][0]["source"] == "refunds.md" and body["usage"]["prompt_tokens"] > 0
    assert body["citations"][0]["also_in"] == []  # the fixture KB repeats no passage


def test_feedback_is_stored_and_scoped_to_the_tenant(make_api: Any) -> None:
    api = make_api()
    done = api.client.post("/v1/chat", json={"message": Q_REFUND, "stream": False}, headers=api.auth()).json()
    fb = {
        "thread_id": done["thread_id"],
        "message_id": done["message_id"],
        "rating": "up",
        "comment": "great",
    }
    assert api.client.post("/v1/feedback", json=fb, headers=api.auth(OTHER)).status_code == 404
    r = api.client.post("/v1/feedback", json=fb, headers=api.auth())
    assert r.status_code == 201 and r.json()["status"] == "recorded"
    with session_scope(api.runtime.engine) as s:
        rows = list(s.scalars(select(Feedback)))
        assert [(f.tenant, f.rating, f.comment) for f in rows] == [(TENANT, "up", "great")]


def test_other_tenant_cannot_read_or_continue_a_thread(make_api: Any) -> None:
    api = make_api()
    done = api.client.post("/v1/chat", json={"message": Q_REFUND, "stream": False}, headers=api.auth()).json()
    tid = done["thread_id"]
    r = api.client.get(f"/v1/threads/{tid}", headers=api.auth(OTHER))
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = api.client.post(
        "/v1/chat", json={"message": "hi", "thread_id": tid, "stream": False}, headers=api.auth(OTHER)
    )
    assert r.status_code == 404
    assert api.client.get("/v1/threads", headers=api.auth(OTHER)).json()["threads"] == []
