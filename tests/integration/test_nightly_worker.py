"""``deskpilot worker`` with a one-minute nightly schedule, as a real process on the real SQLite
huey queue: it produces dated runs, the second gated against the first (the baseline recorded),
exports the nightly gauges on its metrics port, and a failed gate POSTs a signed notification to a
local test server. The eval runs the real agent on the agent fixture KB with MiniLM; answers are
composed passage units (``agent_generation=auto`` with the local model), so no model generates."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest

from tests.fixtures.agent.support import COLLECTION, TENANT, agent_kb  # noqa: F401
from tests.unit.test_eval_nightly import GATE_FAIL, GATE_OK, tiny_golden

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
SECRET = "nightly-hook-secret"
CLI = "import sys; from cli.main import main; sys.argv[0] = 'deskpilot'; sys.exit(main())"


class Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Hook.received.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def hook_server() -> Iterator[str]:
    Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/nightly"
    server.shutdown()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(
    what: str, cond: Callable[[], Any], timeout: float, proc: subprocess.Popen[bytes], log: Path
) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := cond()) or proc.poll() is not None:
            if value:
                return value
            break
        time.sleep(1.0)
    tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
    raise AssertionError(f"timed out waiting for {what} (worker exit {proc.poll()}):\n{tail}")


def test_worker_runs_the_nightly_on_schedule(
    agent_kb: Path,  # noqa: F811
    tmp_path: Path,
    hook_server: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    from deskpilot.settings import get_settings
    from evals.dataset import load_golden
    from evals.store import runs
    from tickets import signing

    data = shutil.copytree(agent_kb, tmp_path / "data", dirs_exist_ok=True)
    golden = tiny_golden(tmp_path)
    gate = tmp_path / "gate.yaml"
    gate.write_text(GATE_OK, encoding="utf-8")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKPILOT_")}
    env |= {
        "PYTHONPATH": str(REPO),
        "HF_HUB_OFFLINE": "1",
        "DESKPILOT_DATA_DIR": str(data),
        "DESKPILOT_COLLECTION": COLLECTION,
        "DESKPILOT_TENANT": TENANT,
        "DESKPILOT_EVAL_NIGHTLY_CRON": "* * * * *",
        "DESKPILOT_EVAL_DATASET": str(golden),
        "DESKPILOT_EVAL_GATE": str(gate),
        "DESKPILOT_EVAL_NIGHTLY_WEBHOOK_URL": hook_server,
        "DESKPILOT_EVAL_NIGHTLY_WEBHOOK_SECRET": SECRET,
        "DESKPILOT_WORKER_METRICS_PORT": str(port),
    }
    monkeypatch.setenv("DESKPILOT_DATA_DIR", str(data))  # this process reads the worker's eval_runs
    get_settings.cache_clear()
    dataset_hash = load_golden(golden).hash
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", CLI, "worker", "--workers", "2"], cwd=REPO, env=env, stdout=out, stderr=out
        )
    try:
        first = _wait("the first nightly run", lambda: runs(dataset_hash), 300, proc, log)[-1]
        gate.write_text(GATE_FAIL, encoding="utf-8")  # every run reads the gate afresh
        failed = _wait(
            "a nightly run failing the stricter gate",
            lambda: [r for r in runs(dataset_hash) if r.passed is False],
            400,
            proc,
            log,
        )[-1]
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
    history = list(reversed(runs(dataset_hash)))
    assert len(history) >= 2
    assert history[0].run_id == first.run_id and first.passed is True and first.baseline_run_id is None
    second = history[1]
    assert second.baseline_run_id == first.run_id and second.trigger == "nightly"
    # dated runs, one a minute (the scheduler checks every 60 s)
    assert second.run_id != first.run_id and (second.created_at - first.created_at).total_seconds() > 40
    for row in history:
        for name in ("results.json", "report.html", "trend.json", "trend_metrics.png"):
            assert (Path(row.run_dir) / name).is_file(), (row.run_id, name)
    accepted_before = [r.run_id for r in history[: history.index(failed)] if r.passed]
    assert failed.baseline_run_id == accepted_before[-1]  # the last ACCEPTED run, not the last run
    assert Hook.received, "no notification posted"
    headers, body = Hook.received[-1]
    signing.verify(headers[signing.HEADER], body, [SECRET], tolerance_s=600)
    payload = json.loads(body)
    assert payload["event"] == "eval.nightly.failed" and payload["run_id"] == failed.run_id
    assert any("latency_p95_s" in reason for reason in payload["failures"])
    assert "deskpilot_eval_nightly_passed 0.0" in metrics
    assert 'deskpilot_eval_nightly_runs_total{outcome="failed"} 1.0' in metrics
    assert 'deskpilot_eval_nightly_metric{metric="hit@5"}' in metrics
    assert "deskpilot_eval_nightly_has_baseline 1.0" in metrics
