"""No raw PII at rest, in logs or over the API (issue 15, "Done when").

Chat messages (streamed and not) and signed webhook tickets full of card numbers, IBANs,
secrets, emails and phone numbers go through the real app, agent, checkpointer, queue and
worker (the LLM is faked at the LiteLLM boundary). Then every table of the database, the
checkpoint store (file bytes and decoded checkpoints), every log record (DEBUG) and every
response body are searched for each raw value. Once on SQLite, once on a fresh PostgreSQL
database.
"""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.agent.support import TENANT, agent_kb, agent_settings, make_deps  # noqa: F401
from tests.fixtures.api.support import GOOD, Q_REFUND, Api, api_settings, sse_events

pytestmark = pytest.mark.integration
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

CARD = "4242 4242 4242 4242"  # Luhn-valid test cards, spaced, dashed and plain
CARD_DASHED = "5555-5555-5555-4444"
CARD_PLAIN = "4000056655665556"
EMAIL = "jane.doe.privacy@example.org"
EMAIL_2 = "ops-billing+refunds@contoso.example"
IBAN = "DE89 3704 0044 0532 0130 00"
IBAN_PLAIN = "GB82WEST12345698765432"
SECRET = "sk_live_51HxYzAbCdEfGhIjKlMnOpQr"
WEBHOOK_SECRET = "whsec_AbCdEfGhIjKlMnOpQrSt1234"
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
PHONE = "+44 20 7946 0958"
PHONE_US = "(415) 555-0199"
RAW = (
    CARD,
    CARD_DASHED,
    CARD_PLAIN,
    EMAIL,
    EMAIL_2,
    IBAN,
    IBAN_PLAIN,
    SECRET,
    WEBHOOK_SECRET,
    AWS_KEY,
    PHONE,
    PHONE_US,
)


def needles() -> list[str]:
    """Each raw value, plus its compact form (no spaces/dashes) for the numeric ones."""
    out = set(RAW)
    for value in (CARD, CARD_DASHED, IBAN, PHONE, PHONE_US):
        out.add("".join(ch for ch in value if ch.isalnum()))
    return sorted(out)


def leaks(where: str, text: str) -> list[str]:
    return [f"{where}: {n!r}" for n in needles() if n in text]


CHATS = [
    f"My card {CARD} was charged twice, please email me at {EMAIL} or call {PHONE}.",
    f"{Q_REFUND} My IBAN is {IBAN} and my backup card is {CARD_DASHED}.",
    f"Our key {SECRET} and webhook secret {WEBHOOK_SECRET} leaked, also {AWS_KEY}; phone {PHONE_US}.",
]
TICKETS = [
    {
        "subject": f"Refund to card {CARD_PLAIN} for {EMAIL_2}",
        "body": f"{Q_REFUND} Send it to IBAN {IBAN_PLAIN}, or call {PHONE}. Key: {SECRET}",
        "customer_email": EMAIL_2,
    },
    {
        "subject": "Where is my refund?",
        "body": f"Card {CARD} / {CARD_DASHED}, email {EMAIL}, whsec {WEBHOOK_SECRET}, IBAN {IBAN}.",
        "customer_email": EMAIL,
    },
]
FEEDBACK = {
    "comment": f"wrong, my card is {CARD} and mail {EMAIL}",
    "corrected_answer": f"Refund to IBAN {IBAN}; call {PHONE_US}; key {SECRET}",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'api.db'}"
        return
    import psycopg

    name = f"pii_{uuid.uuid4().hex[:12]}"  # a database of its own: "every table" is ours only
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    from deskpilot.db import dispose_engines

    dispose_engines()
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _start_api(settings: Any, tmp_path: Path, stack: ExitStack) -> tuple[Api, Any]:
    from fastapi.testclient import TestClient

    from agent.checkpoint import open_checkpointer
    from agent.service import AgentService
    from api.app import create_app
    from api.auth import create_key
    from api.tables import TABLES
    from deskpilot.db import create_tables, get_engine

    engine = get_engine(settings=settings)
    create_tables(engine, *TABLES)
    keys = {TENANT: create_key(engine, TENANT)}
    saver = stack.enter_context(open_checkpointer(settings))  # the real store: SQLite file / Postgres
    mock = {"mock_response": GOOD}
    deps = make_deps(settings, tmp_path, llm_overrides={p: mock for p in ("draft", "assist", "summary")})
    agent = AgentService(settings, deps=deps, checkpointer=saver)
    app = create_app(settings, agent=agent)
    client = stack.enter_context(TestClient(app, raise_server_exceptions=False))
    return Api(client, app, keys), deps


def _exercise(api: Api, bodies: list[str]) -> None:
    """Every API surface, each fed PII; all response bodies are collected in ``bodies``."""

    def keep(r: Any) -> Any:
        bodies.append(r.text)
        return r

    with api.client.stream("POST", "/v1/chat", json={"message": CHATS[0]}, headers=api.auth()) as r:
        assert r.status_code == 200
        events = sse_events(r)
        bodies.append(json.dumps(events))
    thread_id = events[-1][1]["thread_id"]
    done = keep(
        api.client.post(
            "/v1/chat",
            json={"message": CHATS[1], "thread_id": thread_id, "stream": False},
            headers=api.auth(),
        )
    ).json()
    assert done["thread_id"] == thread_id and done["message_id"], done
    keep(api.client.post("/v1/chat", json={"message": CHATS[2], "stream": False}, headers=api.auth()))
    # a card number as a thread id: an unknown id, answered without echoing it
    r = keep(
        api.client.post(
            "/v1/chat",
            json={"message": CHATS[0], "thread_id": CARD_PLAIN, "stream": False},
            headers=api.auth(),
        )
    )
    assert r.status_code == 404
    fb = {"thread_id": thread_id, "message_id": done["message_id"], "rating": "down", **FEEDBACK}
    assert keep(api.client.post("/v1/feedback", json=fb, headers=api.auth())).status_code == 201
    ticket_ids = []
    for n, ticket in enumerate(TICKETS):
        event = {"id": f"evt_{uuid.uuid4().hex}", "ticket": {"id": f"T-{n}", **ticket}}
        first = keep(api.post_ticket(event))
        assert first.status_code == 202
        again = keep(api.post_ticket(event))
        assert again.status_code == 200 and again.json() == {
            "status": "duplicate",
            "ticket_id": first.json()["ticket_id"],
        }
        ticket_ids.append(first.json()["ticket_id"])
    for tid in ticket_ids:
        out = api.wait_ticket(tid, timeout=120)
        bodies.append(json.dumps(out))
        assert out["status"] == "done", out
    for path in ("/v1/threads", f"/v1/threads/{thread_id}", "/metrics", "/openapi.json"):
        assert keep(api.client.get(path, headers=api.auth())).status_code == 200
    thread = json.loads(bodies[-3])
    assert [m["role"] for m in thread["messages"]] == ["user", "assistant", "user", "assistant"]
    assert "[CARD_1]" in thread["messages"][0]["content"] and "[EMAIL_1]" in thread["messages"][0]["content"]


def _scan_tables(engine: Any) -> tuple[list[str], int, set[str]]:
    from sqlalchemy import MetaData, select

    meta = MetaData()
    meta.reflect(bind=engine)
    found, cells = [], 0
    with engine.connect() as conn:
        for name, table in meta.tables.items():
            for row in conn.execute(select(table)):
                for col, value in row._mapping.items():
                    if value is None:
                        continue
                    cells += 1
                    if isinstance(value, bytes | bytearray | memoryview):
                        text = bytes(value).decode("utf-8", "replace")
                    elif isinstance(value, dict | list):
                        text = json.dumps(value, ensure_ascii=False)
                    else:
                        text = str(value)
                    found += leaks(f"{name}.{col}", text)
    return found, cells, set(meta.tables)


def _scan_checkpoints(saver: Any, settings: Any) -> tuple[list[str], int]:
    """Every checkpoint and pending write, decoded; plus the SQLite files' raw bytes."""
    found, n = [], 0
    for tup in saver.list(None):
        n += 1
        decoded = json.dumps(
            [tup.checkpoint, tup.metadata, tup.pending_writes, tup.config], default=repr, ensure_ascii=False
        )
        found += leaks(f"checkpoint {tup.config['configurable'].get('checkpoint_id')}", decoded)
    if not settings.is_postgres:
        for path in Path(settings.checkpoint_url).parent.glob(Path(settings.checkpoint_url).name + "*"):
            found += leaks(f"file {path.name}", path.read_bytes().decode("utf-8", "replace"))
    return found, n


def test_no_raw_pii_in_database_checkpoints_logs_or_responses(
    agent_settings: Any, database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from deskpilot.db import get_engine

    settings = api_settings(
        agent_settings, tmp_path, database_url=database_url, max_body_bytes=65536
    ).model_copy(update={"checkpoint_url": None if "postgres" in database_url else str(tmp_path / "cp.db")})
    caplog.set_level(logging.DEBUG)
    bodies: list[str] = []
    with ExitStack() as stack:
        api, deps = _start_api(settings, tmp_path, stack)
        _exercise(api, bodies)
        cp_found, n_checkpoints = _scan_checkpoints(api.runtime.agents.get().checkpointer, settings)
    db_found, cells, tables = _scan_tables(get_engine(settings=settings))
    tools_found, _, _ = _scan_tables(deps.backend.engine)
    # the scans saw the data they are meant to check, and every raw value was really sent
    assert n_checkpoints > 5 and cells > 50
    assert {"api_threads", "api_tickets", "api_feedback", "api_webhook_events"} <= tables
    if settings.is_postgres:
        assert {"checkpoints", "checkpoint_blobs", "checkpoint_writes"} <= tables
    sent = " ".join(CHATS) + json.dumps(TICKETS) + json.dumps(FEEDBACK)
    assert all(value in sent for value in RAW)
    log_text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert len(caplog.records) > 10
    problems = [
        *db_found,
        *cp_found,
        *tools_found,
        *leaks("logs", log_text),
        *(p for i, b in enumerate(bodies) for p in leaks(f"response {i}", b)),
    ]
    assert problems == [], "\n".join(problems)


def test_an_older_database_is_migrated(database_url: str) -> None:
    """The pre-issue-15 schema (feedback → api_messages foreign key, raw text), both backends."""
    from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, MetaData, String, Table, Text, select
    from sqlalchemy import inspect as sa_inspect

    from api.migrate import migrate
    from api.tables import TABLES, Feedback
    from deskpilot.db import create_tables, get_engine, session_scope

    old = MetaData()
    threads = Table("api_threads", old, Column("id", String(64), primary_key=True), Column("tenant", String(64)),
                    Column("title", String(200)), Column("pending_action", JSON), Column("created_at", DateTime(True)),
                    Column("updated_at", DateTime(True)))  # fmt: skip
    messages = Table("api_messages", old, Column("id", String(64), primary_key=True),
                     Column("thread_id", ForeignKey("api_threads.id")), Column("tenant", String(64)),
                     Column("role", String(16)), Column("content", Text))  # fmt: skip
    feedback = Table("api_feedback", old, Column("id", Integer, primary_key=True), Column("tenant", String(64)),
                     Column("thread_id", String(64)), Column("message_id", ForeignKey("api_messages.id")),
                     Column("rating", String(8)), Column("comment", Text), Column("corrected_answer", Text),
                     Column("created_at", DateTime(True)))  # fmt: skip
    engine = get_engine(database_url)
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(threads.insert(), {"id": "t1", "tenant": "acme", "title": f"card {CARD}"})
        conn.execute(messages.insert(), {"id": "m_1", "thread_id": "t1", "role": "user", "content": EMAIL})
        conn.execute(feedback.insert(), {"tenant": "acme", "thread_id": "t1", "message_id": "m_1",
                                         "rating": "up", "comment": f"iban {IBAN}"})  # fmt: skip
    assert sa_inspect(engine).get_foreign_keys("api_feedback")
    create_tables(engine, *TABLES)
    assert migrate(engine) is True and migrate(engine) is False
    assert sa_inspect(engine).get_foreign_keys("api_feedback") == []
    with session_scope(engine) as s:
        s.add(Feedback(tenant="acme", thread_id="t1", message_id="a-checkpoint-id", rating="down"))
    found, _, _ = _scan_tables(engine)
    assert found == []
    with engine.connect() as conn:
        assert conn.execute(select(threads.c.title)).scalar() == "card [CARD_1]"
        assert conn.execute(select(messages.c.content)).scalar() == "[EMAIL_1]"
        assert len(conn.execute(select(feedback.c.id)).all()) == 2
