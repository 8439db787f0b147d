"""The nightly job and what it selects and emits: the baseline (last accepted run on the dataset
hash), the gate without a baseline, the eval_runs columns, the gauges, the signed notification,
NightlyJob end to end on the agent fixture KB, and the serve/worker wiring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from deskpilot.exceptions import UserInputError
from tests.fixtures.agent.support import agent_kb, agent_settings  # noqa: F401


def _results(tmp_path: Path, name: str, **update: Any) -> Any:
    from evals.results import load_results
    from tests.fixtures.evals.support import RESULTS

    res = load_results(RESULTS).model_copy(update={"run_id": name, **update})
    res.save(tmp_path / name)
    return res


def test_baseline_is_the_newest_accepted_run_on_the_same_dataset(tmp_path: Path) -> None:
    import shutil

    from evals.store import last_accepted, record_run

    assert last_accepted("nohash") is None
    day = "2026-12-0{}T02:00:00+00:00"
    a = _results(tmp_path, "a", created_at=day.format(1))
    record_run(a, str(tmp_path / "a"), True)
    b = _results(tmp_path, "b", created_at=day.format(2))
    record_run(b, str(tmp_path / "b"), True, baseline_run_id="a", trigger="nightly")
    c = _results(tmp_path, "c", created_at=day.format(3))
    record_run(c, str(tmp_path / "c"), False, baseline_run_id="b")  # failed: never a baseline
    other = a.dataset.model_copy(update={"hash": "0" * 16})
    record_run(_results(tmp_path, "d", created_at=day.format(4), dataset=other), str(tmp_path / "d"), True)
    found = last_accepted(a.dataset.hash)
    assert found is not None and found[0].run_id == "b" and found[1].run_id == "b"
    assert found[0].baseline_run_id == "a" and found[0].trigger == "nightly"
    shutil.rmtree(tmp_path / "b")  # run dir deleted: fall back to the next accepted one
    found = last_accepted(a.dataset.hash)
    assert found is not None and found[0].run_id == "a"


def test_old_eval_runs_table_gains_the_new_columns(tmp_path: Path) -> None:
    from sqlalchemy import inspect, text

    from deskpilot.db import get_engine
    from evals.store import record_run, runs

    engine = get_engine()
    with engine.begin() as conn:  # the table as older versions created it
        conn.execute(
            text(
                "CREATE TABLE eval_runs (id INTEGER PRIMARY KEY, run_id VARCHAR(200), created_at DATETIME,"
                " run_dir VARCHAR(1000), dataset_path VARCHAR(1000), dataset_hash VARCHAR(64),"
                " config_hash VARCHAR(64), model VARCHAR(200), n INTEGER, n_failed INTEGER,"
                " passed BOOLEAN, metrics JSON, prompt_versions JSON)"
            )
        )
    res = _results(tmp_path, "old")
    record_run(res, str(tmp_path / "old"), True, baseline_run_id="x")
    assert {"baseline_run_id", "trigger"} <= {c["name"] for c in inspect(engine).get_columns("eval_runs")}
    assert runs(res.dataset.hash)[0].baseline_run_id == "x"


def test_without_a_baseline_only_max_drop_rules_are_left_out() -> None:
    from evals.gate import Gate, absolute_only

    gate = Gate.model_validate(
        {
            "metrics": {
                "hit@5": {"min": 0.6, "max_drop": 0.1},
                "rouge": {"max_drop": 0.05},
                "wrong_rate": {"max_drop": 0.1, "requires_agreement": {"min_n": 5}},
            },
            "slices": {"refunds": {"hit@1": {"max_drop": 0.2}, "mrr@10": {"min": 0.5}}},
        }
    )
    bare = absolute_only(gate)
    assert list(bare.metrics) == ["hit@5"] and bare.metrics["hit@5"].min == 0.6
    assert bare.metrics["hit@5"].max_drop is None
    assert list(bare.slices["refunds"]) == ["mrr@10"]
    assert gate.metrics["hit@5"].max_drop == 0.1  # the loaded gate is untouched


def test_nightly_gauges_render() -> None:
    from api.telemetry import Telemetry

    t = Telemetry()
    assert b"deskpilot_eval_nightly_passed NaN" in t.render()
    metrics = {"hit@5": 0.75, "latency_p95_s": 1.5, "judge": None}
    t.observe_nightly(
        "failed", passed=False, metrics=metrics, finished_at=1.7e9, duration_s=42.0, has_baseline=True
    )
    out = t.render().decode()
    assert "deskpilot_eval_nightly_passed 0.0" in out
    assert 'deskpilot_eval_nightly_metric{metric="hit@5"} 0.75' in out
    assert 'metric="judge"' not in out
    assert 'deskpilot_eval_nightly_runs_total{outcome="failed"} 1.0' in out
    assert "deskpilot_eval_nightly_duration_seconds 42.0" in out
    t.observe_nightly("error", passed=None, metrics={}, finished_at=1.8e9, duration_s=3.0, has_baseline=False)
    out = t.render().decode()
    assert "deskpilot_eval_nightly_passed NaN" in out  # a crash: no verdict
    assert 'deskpilot_eval_nightly_metric{metric="hit@5"} 0.75' in out  # last measured values kept
    assert 'deskpilot_eval_nightly_runs_total{outcome="error"} 1.0' in out


def test_notification_is_signed_like_ticket_callbacks() -> None:
    from deskpilot.settings import Settings
    from evals.schedule import EVENT_FAILED, notifier_from
    from tickets import signing
    from tickets.callback import EVENT_ID_HEADER

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    base = Settings()
    assert notifier_from(base) is None
    with pytest.raises(UserInputError, match="secret"):
        notifier_from(base.model_copy(update={"eval_nightly_webhook_url": "https://hooks.test/x"}))
    with pytest.raises(UserInputError, match="http"):
        notifier_from(base.model_copy(update={"eval_nightly_webhook_url": "ftp://hooks.test/x"}))
    cfg = Settings(eval_nightly_webhook_url="https://hooks.test/x", eval_nightly_webhook_secret="s3cret")
    notifier = notifier_from(cfg, transport=httpx.MockTransport(handler))
    assert notifier is not None
    assert notifier.notify(EVENT_FAILED, "20261207-020000", {"run_id": "20261207-020000", "failures": ["x"]})
    (req,) = seen
    body = req.read()
    signing.verify(req.headers[signing.HEADER], body, ["s3cret"], tolerance_s=60)
    with pytest.raises(Exception, match="does not match"):
        signing.verify(req.headers[signing.HEADER], body, ["wrong"], tolerance_s=60)
    assert req.headers[EVENT_ID_HEADER] == f"{EVENT_FAILED}:20261207-020000"
    assert json.loads(body)["event"] == EVENT_FAILED and json.loads(body)["failures"] == ["x"]


GATE_OK = "metrics:\n  hit@5: {min: 0.0, max_drop: 0.5}\n  n_failed: {max: 0}\n"
GATE_FAIL = "metrics:\n  latency_p95_s: {max: 0.0}\n"


def tiny_golden(tmp_path: Path) -> Path:
    """Three cases of the agent fixture KB (the eval's dataset, written here)."""
    from tests.fixtures.evals.support import GOLDEN

    path = tmp_path / "tiny.jsonl"
    path.write_text(
        "".join(GOLDEN.read_text(encoding="utf-8").splitlines(keepends=True)[:3]), encoding="utf-8"
    )
    return path


def test_nightly_job_compares_with_the_last_accepted_run_and_notifies(
    agent_settings: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import shutil

    from pydantic import SecretStr

    from api.telemetry import Telemetry
    from evals.nightly import NO_BASELINE
    from evals.schedule import EVENT_FAILED, NightlyJob, notifier_from
    from evals.store import runs
    from tickets import signing

    gate = tmp_path / "gate.yaml"
    gate.write_text(GATE_OK, encoding="utf-8")
    from deskpilot.settings import get_settings

    # runs and their records in a copy, not in the session's shared KB dir
    data = shutil.copytree(agent_settings.data_dir, tmp_path / "data", dirs_exist_ok=True)
    monkeypatch.setenv("DESKPILOT_DATA_DIR", str(data))
    get_settings.cache_clear()
    settings = get_settings().model_copy(
        update={
            "agent_generation": "auto",  # composed passage units: no model call
            "eval_dataset": tiny_golden(tmp_path),
            "eval_gate": gate,
            "eval_nightly_webhook_url": "https://hooks.test/nightly",
            "eval_nightly_webhook_secret": SecretStr("whsec"),
        }
    )
    posted: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: posted.append(r) or httpx.Response(204))
    telemetry = Telemetry()
    job = NightlyJob(settings, observer=telemetry, notifier=notifier_from(settings, transport))
    first = job()
    assert first is not None and first.passed is True and first.baseline_run_id is None
    assert first.notes == [NO_BASELINE]
    second = job()
    assert second is not None and second.passed and second.baseline_run_id == first.run_id
    assert second.gate is not None and any("hit@5" in line for line in second.gate.lines())
    assert posted == []
    gate.write_text(GATE_FAIL, encoding="utf-8")  # the gate is read per run
    third = job()
    assert third is not None and third.passed is False and third.baseline_run_id == second.run_id
    (req,) = posted
    body = req.read()
    signing.verify(req.headers[signing.HEADER], body, ["whsec"], tolerance_s=60)
    payload = json.loads(body)
    assert payload["event"] == EVENT_FAILED and payload["run_id"] == third.run_id
    assert payload["baseline_run_id"] == second.run_id and payload["failures"]
    rows = runs(job.dataset_hash)
    assert [(r.run_id, r.passed, r.baseline_run_id, r.trigger) for r in rows] == [
        (third.run_id, False, second.run_id, "nightly"),
        (second.run_id, True, first.run_id, "nightly"),
        (first.run_id, True, None, "nightly"),
    ]
    trend = json.loads((Path(third.run_dir) / "trend.json").read_text(encoding="utf-8"))
    assert trend["runs"] == [first.run_id, second.run_id, third.run_id]
    assert len(trend["metrics"]["hit@5"]) == 3
    assert (Path(third.run_dir) / "trend_metrics.png").stat().st_size > 1000
    out = telemetry.render().decode()
    assert "deskpilot_eval_nightly_passed 0.0" in out
    assert 'deskpilot_eval_nightly_runs_total{outcome="passed"} 2.0' in out
    assert "deskpilot_eval_nightly_has_baseline 1.0" in out
    restarted = Telemetry()
    NightlyJob(settings, observer=restarted).prime()  # a restarted worker exports the last result
    assert "deskpilot_eval_nightly_passed 0.0" in restarted.render().decode()


def _cli(argv: list[str]) -> int:
    from cli.main import main

    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_worker_refuses_a_bad_schedule_at_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from deskpilot.settings import get_settings

    monkeypatch.setenv("DESKPILOT_EVAL_DATASET", str(tiny_golden(tmp_path)))
    for env, says in (
        ({"DESKPILOT_EVAL_NIGHTLY_CRON": "0 2 * *"}, "needs 5 fields"),
        ({"DESKPILOT_EVAL_NIGHTLY_CRON": "0 25 * * *"}, "25 is not a valid input"),
        (
            {
                "DESKPILOT_EVAL_NIGHTLY_CRON": "0 2 * * *",
                "DESKPILOT_EVAL_NIGHTLY_WEBHOOK_URL": "https://h.test/x",
            },
            "needs eval_nightly_webhook_secret",
        ),
        (
            {
                "DESKPILOT_EVAL_NIGHTLY_CRON": "0 2 * * *",
                "DESKPILOT_EVAL_DATASET": str(tmp_path / "none.jsonl"),
            },
            "none.jsonl",
        ),
    ):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        assert _cli(["worker"]) == 2, env
        assert says in capsys.readouterr().err
        monkeypatch.delenv("DESKPILOT_EVAL_NIGHTLY_WEBHOOK_URL", raising=False)
        monkeypatch.setenv("DESKPILOT_EVAL_DATASET", str(tiny_golden(tmp_path)))


def test_serve_schedules_the_nightly_on_its_in_process_worker(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import uvicorn

    from deskpilot.settings import get_settings
    from evals.schedule import TASK_NAME

    apps: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: apps.append(app))
    monkeypatch.setenv("DESKPILOT_EVAL_DATASET", str(tiny_golden(tmp_path)))
    monkeypatch.setenv("DESKPILOT_EVAL_NIGHTLY_CRON", "15 3 * * *")
    get_settings.cache_clear()
    assert _cli(["serve"]) == 0
    queue = apps[-1].state.runtime.queue
    assert queue.periodic == [TASK_NAME] and queue.consumer().periodic is True
    assert "nightly eval at '15 3 * * *'" in capsys.readouterr().err
    monkeypatch.setenv("DESKPILOT_RUN_WORKER_IN_PROCESS", "false")
    get_settings.cache_clear()
    assert _cli(["serve"]) == 0
    assert apps[-1].state.runtime.queue.periodic == []
    assert "run `deskpilot worker`" in capsys.readouterr().err


def test_serve_runs_the_nightly_in_its_worker_and_exports_the_gauges(
    agent_settings: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`deskpilot serve` as wired by the CLI (uvicorn replaced by the test client's lifespan): the
    in-process consumer checks periodic tasks at start, so a per-minute cron runs at once."""
    import shutil
    import time

    import uvicorn
    from fastapi.testclient import TestClient

    from deskpilot.settings import get_settings
    from evals.dataset import load_golden
    from evals.store import runs

    data = shutil.copytree(agent_settings.data_dir, tmp_path / "data", dirs_exist_ok=True)
    golden = tiny_golden(tmp_path)
    gate = tmp_path / "gate.yaml"
    gate.write_text(GATE_OK, encoding="utf-8")
    for key, value in {
        "DESKPILOT_DATA_DIR": str(data),
        "DESKPILOT_AGENT_GENERATION": "auto",
        "DESKPILOT_QUEUE_BACKEND": "memory",
        "DESKPILOT_EVAL_NIGHTLY_CRON": "* * * * *",
        "DESKPILOT_EVAL_DATASET": str(golden),
        "DESKPILOT_EVAL_GATE": str(gate),
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    apps: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: apps.append(app))
    assert _cli(["serve"]) == 0
    dataset_hash = load_golden(golden).hash
    with TestClient(apps[0]) as client:
        deadline = time.monotonic() + 120
        while not runs(dataset_hash) and time.monotonic() < deadline:
            time.sleep(0.5)
        scraped = client.get("/metrics").text
    (row,) = runs(dataset_hash)
    assert row.passed is True and row.trigger == "nightly"
    assert "deskpilot_eval_nightly_passed 1.0" in scraped
    assert 'deskpilot_eval_nightly_runs_total{outcome="passed"} 1.0' in scraped
    assert f'deskpilot_eval_nightly_metric{{metric="hit@5"}} {row.metrics["hit@5"]}' in scraped
