"""A thread survives a process restart: one process asks (refund pending), a new process
approves from the same SQLite checkpointer."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.agent.support import SEED, TENANT

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]

ASK = """
import json, sys
from deskpilot.offline import configure_offline_env; configure_offline_env()
from agent.service import AgentService
from deskpilot.settings import get_settings
with AgentService(get_settings()) as s:
    r = s.ask("Please refund ch_1002", tenant="acme")
print(json.dumps({"thread": r.thread_id, "pending": r.pending_action}))
"""
RESUME = """
import json, sys
from deskpilot.offline import configure_offline_env; configure_offline_env()
from agent.service import AgentService
from deskpilot.settings import get_settings
with AgentService(get_settings()) as s:
    r = s.resume(sys.argv[1], approved=True, tenant="acme")
print(json.dumps({"answer": r.answer}))
"""


def _run(code: str, env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_new_process_continues_the_thread(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKPILOT_")}
    env |= {
        "DESKPILOT_DATA_DIR": str(tmp_path / "data"),
        "DESKPILOT_TENANT": TENANT,
        "DESKPILOT_AGENT_SEED_FILE": str(SEED),
        "PYTHONPATH": str(REPO),
    }
    first = _run(ASK, env)
    assert first["pending"]["charge_id"] == "ch_1002" and first["pending"]["amount"] == 1500
    assert (tmp_path / "data" / "checkpoints.db").is_file()
    second = _run(RESUME, env, first["thread"])
    assert "15.00 USD" in second["answer"] and "Refund re_" in second["answer"]
