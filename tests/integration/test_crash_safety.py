"""SIGKILL the API and the worker mid-run: every accepted ticket ends done, exactly once."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

BENCH = Path(__file__).resolve().parents[2] / "bench" / "crash.py"


def test_no_ticket_lost_or_duplicated_across_sigkill(tmp_path: Path) -> None:
    out = tmp_path / "crash.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--n",
            "40",
            "--concurrency",
            "8",
            "--drain-timeout",
            "300",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    r = json.loads(out.read_text())
    assert r["killed_after_accepted"] >= 1
    assert r["tickets_in_db"] == 40
    assert r["lost"] == 0, r["worker_log_tail"]
    assert r["duplicated"] == 0
    assert r["done"] == 40
    assert r["second_full_redelivery_duplicates"] == 40
    assert r["callbacks_missing"] == 0
    assert r["callback_effects"] == 40
