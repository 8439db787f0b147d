"""The ticket pipeline on real backends: SqliteHuey + the local LLM; RedisHuey + PostgreSQL."""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.api.support import (  # noqa: F401
    TENANT,
    agent_kb,
    agent_settings,
    make_api,
    make_service,
    ticket_event,
)

pytestmark = pytest.mark.integration


@pytest.mark.slow
def test_webhook_to_draft_on_sqlite_queue_with_the_local_model(
    make_api: Any,
    agent_settings: Any,
    tmp_path: Path,
) -> None:
    svc = make_service(agent_settings, tmp_path)  # no mock: the real local LLM drafts
    api = make_api(agent=svc, queue_backend="sqlite")
    assert (Path(agent_settings.data_dir) / "queue.db").exists()
    r = api.post_ticket(ticket_event(f"evt_{uuid.uuid4().hex}"))
    assert r.status_code == 202
    out = api.wait_ticket(r.json()["ticket_id"], timeout=240)
    assert out["status"] == "done", out
    assert out["draft_reply"] and (out["citations"] or out["escalated"])


@pytest.mark.redis
@pytest.mark.postgres
def test_redis_queue_and_postgres_state(make_api: Any) -> None:
    from huey import RedisHuey

    from tickets.queue import TicketQueue

    api = make_api(
        database_url="postgresql://postgres@127.0.0.1:5432/test",
        queue_backend="redis",
        redis_url="redis://127.0.0.1:6379/15",
        run_worker_in_process=False,
    )
    rt = api.runtime
    assert rt.engine.dialect.name == "postgresql" and isinstance(rt.queue.huey, RedisHuey)
    rt.queue.huey.flush()
    event_id = f"evt_{uuid.uuid4().hex}"
    first = api.post_ticket(ticket_event(event_id))
    assert first.status_code == 202 and api.post_ticket(ticket_event(event_id)).status_code == 200
    assert rt.queue.depth() == 1
    # a second "machine": its own queue object on the same Redis + Postgres
    other = TicketQueue(rt.settings, rt.engine, rt.agents.get)
    other.start(workers=2)
    try:
        out = api.wait_ticket(first.json()["ticket_id"])
    finally:
        other.stop()
    assert out["status"] == "done" and "business days" in out["draft_reply"]
    assert rt.queue.depth() == 0
