"""Checkpointer selection and a thread surviving a restart (fresh graph, same SQLite file)."""

from pathlib import Path
from typing import Any

import pytest

from agent.checkpoint import checkpoint_url, open_checkpointer
from tests.fixtures.agent import support
from tests.fixtures.agent.support import TENANT, make_service

agent_kb = support.agent_kb  # shared fixtures
agent_settings = support.agent_settings


def test_checkpoint_url_follows_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from deskpilot.settings import get_settings

    assert checkpoint_url(get_settings()).endswith("checkpoints.db")
    monkeypatch.setenv("DESKPILOT_DATABASE_URL", "postgresql://127.0.0.1:5432/test")
    get_settings.cache_clear()
    assert checkpoint_url(get_settings()).startswith("postgresql://")


def test_pending_refund_survives_a_restart(agent_settings: Any, tmp_path: Path) -> None:
    with open_checkpointer(agent_settings) as saver:
        first = make_service(agent_settings, tmp_path, checkpointer=saver)
        r = first.ask("Refund ch_1002 please", tenant=TENANT)
        assert r.pending_action is not None
    assert (agent_settings.data_dir / "checkpoints.db").is_file()
    with open_checkpointer(agent_settings) as saver:  # a new saver and graph: nothing in memory
        second = make_service(agent_settings, tmp_path, checkpointer=saver)
        assert second.pending(r.thread_id, tenant=TENANT) == r.pending_action
        done = second.resume(r.thread_id, approved=True, tenant=TENANT)
        assert "1,500" not in done.answer and "15.00 USD" in done.answer
        assert len(second.history(r.thread_id, tenant=TENANT)) == 2
