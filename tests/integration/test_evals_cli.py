"""`deskpilot eval run|compare|nightly` end to end with the REAL agent and the local LLM on the
agent fixture KB: a clean run passes the gate (exit 0); the planted regression (retrieval off via
DESKPILOT_EVAL_RETRIEVAL_ENABLED=false) fails it with exit 1 naming hit@5."""

from pathlib import Path
from typing import Any

import pytest

from evals.results import load_results
from tests.fixtures.agent.support import agent_kb, agent_settings  # noqa: F401
from tests.fixtures.evals.support import GATE, GOLDEN, QUEUES

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _cli(argv: list[str]) -> int:
    from cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    return int(exc.value.code or 0)


def test_eval_run_gate_regression_compare_and_nightly(
    agent_settings: Any,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from deskpilot.settings import get_settings

    monkeypatch.setenv("DESKPILOT_TRIAGE_QUEUES_FILE", str(QUEUES))
    monkeypatch.setenv(
        "DESKPILOT_AGENT_SEED_FILE", str(Path(__file__).parents[1] / "fixtures/agent/seed.json")
    )
    get_settings.cache_clear()
    good, bad = tmp_path / "good", tmp_path / "bad"
    base = ["eval", "run", "--dataset", str(GOLDEN), "--gate", str(GATE)]
    assert _cli([*base, "--out", str(good)]) == 2  # max_drop rules and no baseline: an error, nothing ran
    assert "need a baseline" in capsys.readouterr().err and not good.exists()
    assert _cli([*base, "--no-baseline", "--out", str(good)]) == 0, capsys.readouterr()
    out = capsys.readouterr().out
    assert "PASS hit@5" in out and (good / "report.html").is_file()
    res = load_results(good)
    assert res.n == 4 and not res.failed and res.model == "local/smollm2"
    assert res.prompt_versions and all(r.latency_s > 0 for r in res.per_case)
    # correctness: no label matches these answers, so every in-scope verdict is the proxy's
    judged = [r for r in res.per_case if r.expected_behavior == "answer"]
    assert res.metrics["n_proxy"] == len(judged) == 3 and res.metrics["n_labelled"] == 0
    assert all(r.verdict_source == "proxy" and r.verdict == r.proxy_verdict for r in judged)
    assert res.metrics["wrong_rate"] is not None and res.proxy_agreement is not None
    assert 'id="correctness"' in (good / "report.html").read_text()

    monkeypatch.setenv("DESKPILOT_EVAL_RETRIEVAL_ENABLED", "false")
    get_settings.cache_clear()
    assert _cli([*base, "--out", str(bad), "--baseline", str(good)]) == 1
    captured = capsys.readouterr()
    assert "FAIL hit@5" in captured.out and "hit@5" in captured.err
    assert load_results(bad).metrics["hit@5"] == 0.0

    assert _cli(["eval", "compare", str(good), str(bad), "--json"]) == 0
    import json

    comp = json.loads(capsys.readouterr().out)
    hit5 = next(d for d in comp["paired"] if d["metric"] == "hit@5")
    assert hit5["diff"] < 0 and hit5["ci_high"] <= 0

    monkeypatch.setenv("DESKPILOT_EVAL_RETRIEVAL_ENABLED", "true")
    get_settings.cache_clear()
    assert _cli(["eval", "nightly", "--dataset", str(GOLDEN), "--gate", str(GATE)]) == 0
    run_dir = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert run_dir.parent == get_settings().data_dir / "eval" / "runs"
    assert (run_dir / "report.html").is_file() and (run_dir / "trend.png").stat().st_size > 0
    from evals.store import history

    assert [rid for rid, _ in history()] == [run_dir.name]
