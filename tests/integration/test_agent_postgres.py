"""PostgresSaver + the tool tables on the PostgreSQL server at 127.0.0.1:5432 (db ``test``)."""

import uuid
from pathlib import Path

import pytest

from tests.fixtures.agent.support import SEED

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
URL = "postgresql://postgres@127.0.0.1:5432/test"


def test_thread_and_refund_on_postgres(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from agent.checkpoint import open_checkpointer
    from agent.context import default_deps
    from agent.service import AgentService
    from agent.tools.backend import SqlToolBackend
    from agent.tools.seed import seed_from_file
    from deskpilot.settings import get_settings

    monkeypatch.setenv("DESKPILOT_DATABASE_URL", URL)
    get_settings.cache_clear()
    settings = get_settings()
    tenant = f"t{uuid.uuid4().hex[:10]}"
    backend = SqlToolBackend()
    assert backend.engine.dialect.name == "postgresql"
    seed_from_file(SEED, tenant, backend.engine)
    with open_checkpointer(settings) as saver:
        assert type(saver).__name__ == "PostgresSaver"
        first = AgentService(
            settings, deps=default_deps(settings, backend=backend, triager=None), checkpointer=saver
        )
        r = first.ask("Please refund ch_1001 now", tenant=tenant)
        assert r.pending_action is not None
    with open_checkpointer(settings) as saver:  # a fresh pool and graph
        second = AgentService(
            settings, deps=default_deps(settings, backend=backend, triager=None), checkpointer=saver
        )
        done = second.resume(r.thread_id, approved=True, tenant=tenant)
        assert "42.00 USD" in done.answer
        replay = backend.create_refund(
            tenant, "ch_1001", amount=None, reason="x", idempotency_key=f"{r.thread_id}:ch_1001"
        )
        assert replay.replayed and backend.get_charge(tenant, "ch_1001").amount_refunded == 4200
