"""Issue 15 in the API: server-generated thread ids, one redacted transcript (the checkpoint),
redacted titles/tickets/feedback/errors/logs, and the migration of an older database."""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

import logging
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text

from api.tables import Feedback, Thread, Ticket
from deskpilot.db import session_scope
from tests.fixtures.agent.support import TENANT, agent_kb, agent_settings  # noqa: F401
from tests.fixtures.api.support import OTHER, Q_REFUND, make_api, ticket_event  # noqa: F401
from tickets import store as tickets

CARD = "4242 4242 4242 4242"
EMAIL = "jane.doe@example.org"
IBAN = "DE89 3704 0044 0532 0130 00"
SECRET = "sk_live_51HxYzAbCdEfGhIjKlMnOp"
PHONE = "+44 20 7946 0958"


def _chat(api: Any, message: str, tenant: str = TENANT, **extra: Any) -> Any:
    return api.client.post(
        "/v1/chat", json={"message": message, "stream": False, **extra}, headers=api.auth(tenant)
    )


def test_the_server_names_threads_and_foreign_ids_look_unknown(make_api: Any) -> None:
    api = make_api()
    done = _chat(api, Q_REFUND).json()
    assert re.fullmatch(r"[0-9a-f]{32}", done["thread_id"])
    follow = _chat(api, "And for a partial refund?", thread_id=done["thread_id"]).json()
    assert follow["thread_id"] == done["thread_id"]
    # a client cannot open a thread under an id of its choosing
    fresh = _chat(api, Q_REFUND, thread_id="my-own-thread-id")
    foreign = _chat(api, Q_REFUND, OTHER, thread_id=done["thread_id"])
    assert fresh.status_code == foreign.status_code == 404
    assert fresh.json() == foreign.json() == {"error": {"code": "not_found", "message": "no such thread"}}
    for path in (f"/v1/threads/{done['thread_id']}", "/v1/threads/my-own-thread-id"):
        r = api.client.get(path, headers=api.auth(OTHER))
        assert r.status_code == 404 and r.json() == fresh.json()
    with session_scope(api.runtime.engine) as s:
        assert [t.id for t in s.scalars(select(Thread))] == [done["thread_id"]]


def test_transcript_title_and_feedback_are_redacted(make_api: Any) -> None:
    api = make_api()
    done = _chat(api, f"{Q_REFUND} Card {CARD}, phone {PHONE}").json()
    thread = api.client.get(f"/v1/threads/{done['thread_id']}", headers=api.auth()).json()
    user, answer = thread["messages"]
    assert user["content"] == f"{Q_REFUND} Card [CARD_1], phone [PHONE_1]"
    assert answer["id"] == done["message_id"] and answer["role"] == "assistant"
    assert answer["content"] == done["answer"] and answer["citations"] == done["citations"]
    listed = api.client.get("/v1/threads", headers=api.auth()).json()["threads"]
    assert listed[0]["title"] == user["content"]
    fb = {
        "thread_id": done["thread_id"],
        "message_id": done["message_id"],
        "rating": "down",
        "comment": f"my IBAN is {IBAN}",
        "corrected_answer": f"use key {SECRET}",
    }
    assert api.client.post("/v1/feedback", json=fb, headers=api.auth()).status_code == 201
    # feedback names an assistant message of that thread, nothing else
    wrong = {**fb, "message_id": user["id"]}
    assert api.client.post("/v1/feedback", json=wrong, headers=api.auth()).status_code == 404
    with session_scope(api.runtime.engine) as s:
        row = s.scalars(select(Feedback)).one()
        assert (row.comment, row.corrected_answer) == ("my IBAN is [IBAN_1]", "use key [SECRET_1]")
        assert s.scalars(select(Thread)).one().title.endswith("Card [CARD_1], phone [PHONE_1]")
    assert "api_messages" not in inspect(api.runtime.engine).get_table_names()


def test_tickets_are_stored_redacted_and_duplicates_name_their_ticket(make_api: Any) -> None:
    api = make_api(run_worker_in_process=False)
    event = ticket_event("evt_pii", body=f"Refund to {CARD} please, I am {EMAIL}")
    event["ticket"] |= {"subject": f"Card {CARD}", "customer_email": EMAIL}
    first = api.post_ticket(event)
    again = api.post_ticket(event)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json() == {"status": "duplicate", "ticket_id": first.json()["ticket_id"]}
    with session_scope(api.runtime.engine) as s:
        row = s.scalars(select(Ticket)).one()
        assert (row.subject, row.body) == ("Card [CARD_1]", "Refund to [CARD_1] please, I am [EMAIL_1]")
        assert row.customer_email is None
    tickets.release(api.runtime.engine, first.json()["ticket_id"], f"LLMError: echo {EMAIL}", final=True)
    out = api.client.get(f"/v1/tickets/{first.json()['ticket_id']}", headers=api.auth()).json()
    assert out["status"] == "failed" and out["error"] == "LLMError: echo [EMAIL_1]"


def test_every_log_record_is_redacted(make_api: Any, caplog: pytest.LogCaptureFixture) -> None:
    make_api()  # building the app installs the redaction
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("deskpilot.test")
    log.warning("customer %s paid with %s", EMAIL, CARD)
    try:
        raise ValueError(f"bad key {SECRET}")
    except ValueError:
        log.exception("failed for %s", IBAN)
    assert [r.getMessage() for r in caplog.records] == [
        "customer [EMAIL_1] paid with [CARD_1]",
        "failed for [IBAN_1]",
    ]
    assert SECRET not in caplog.text and "bad key [SECRET_1]" in caplog.text


LEGACY = [
    "CREATE TABLE api_threads (id VARCHAR(64) PRIMARY KEY, tenant VARCHAR(64), title VARCHAR(200),"
    " pending_action JSON, created_at DATETIME, updated_at DATETIME)",
    "CREATE TABLE api_messages (id VARCHAR(64) PRIMARY KEY, thread_id VARCHAR(64) REFERENCES api_threads(id),"
    " tenant VARCHAR(64), role VARCHAR(16), content TEXT, citations JSON, route VARCHAR(32),"
    " escalated BOOLEAN, usage JSON, created_at DATETIME)",
    "CREATE TABLE api_feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, tenant VARCHAR(64),"
    " thread_id VARCHAR(64), message_id VARCHAR(64) REFERENCES api_messages(id), rating VARCHAR(8),"
    " comment TEXT, corrected_answer TEXT, created_at DATETIME)",
    "CREATE INDEX ix_api_feedback_tenant ON api_feedback (tenant)",
    "CREATE INDEX ix_api_feedback_message_id ON api_feedback (message_id)",
    f"INSERT INTO api_threads VALUES ('t1', 'acme', 'card {CARD}', NULL, '2026-01-01', '2026-01-01')",
    f"INSERT INTO api_messages VALUES ('m_1', 't1', 'acme', 'user', 'mail {EMAIL}', '[]', NULL, 0, NULL,"
    " '2026-01-01')",
    f"INSERT INTO api_feedback VALUES (1, 'acme', 't1', 'm_1', 'up', 'iban {IBAN}', NULL, '2026-01-01')",
]


def test_an_older_database_is_migrated_once(tmp_path: Path) -> None:
    from api.migrate import migrate
    from api.tables import TABLES
    from deskpilot.db import create_tables, get_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    raw = create_engine(url)
    with raw.begin() as conn:
        for stmt in LEGACY:
            conn.execute(text(stmt))
    raw.dispose()
    engine = get_engine(url)  # foreign keys enforced, as in production
    create_tables(engine, *TABLES)  # what a start does first: existing tables are left alone
    assert migrate(engine) is True and migrate(engine) is False
    assert inspect(engine).get_foreign_keys("api_feedback") == []
    with engine.begin() as conn:
        assert conn.execute(text("SELECT title FROM api_threads")).scalar() == "card [CARD_1]"
        assert conn.execute(text("SELECT content FROM api_messages")).scalar() == "mail [EMAIL_1]"
        assert conn.execute(text("SELECT comment, message_id FROM api_feedback")).one() == (
            "iban [IBAN_1]",
            "m_1",
        )
    with session_scope(engine) as s:  # feedback on a checkpoint message id is accepted now
        s.add(Feedback(tenant="acme", thread_id="t1", message_id="3f2b7c1e-checkpoint", rating="up"))
    with session_scope(engine) as s:
        assert len(list(s.scalars(select(Feedback)))) == 2
    assert {i["name"] for i in inspect(engine).get_indexes("api_feedback")} >= {"ix_api_feedback_tenant"}


def test_a_customer_email_reaches_the_tool_but_never_the_checkpoint(make_api: Any) -> None:
    import json

    api = make_api()
    done = _chat(api, "I'm alice@example.com, what are my charges?").json()
    assert done["route"] == "tool" and "ch_1001" in done["answer"]  # the lookup got the real email
    saver = api.runtime.agents.get().checkpointer
    stored = [
        json.dumps([t.checkpoint, t.metadata, t.pending_writes], default=repr) for t in saver.list(None)
    ]
    assert stored and not any("alice@example.com" in s for s in stored)
    assert any("[EMAIL_1]" in s for s in stored)


def test_a_refund_waiting_for_approval_has_no_answer_id_until_it_is_decided(make_api: Any) -> None:
    api = make_api()
    first = _chat(api, "Please refund ch_1001, I was charged twice").json()
    assert first["pending_action"]["charge_id"] == "ch_1001" and first["message_id"] == ""
    listed = api.client.get("/v1/threads", headers=api.auth()).json()["threads"]
    assert listed[0]["pending"] is True
    path = f"/v1/threads/{first['thread_id']}/approval"
    done = api.client.post(path, json={"approved": True}, headers=api.auth()).json()
    thread = api.client.get(f"/v1/threads/{first['thread_id']}", headers=api.auth()).json()
    assert [m["role"] for m in thread["messages"]] == ["user", "assistant"]
    assert thread["messages"][-1]["id"] == done["message_id"] and "Refund re_" in done["answer"]
    assert thread["pending_action"] is None
