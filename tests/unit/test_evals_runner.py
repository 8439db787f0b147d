"""The runner over the REAL agent (real retrieval, triage, grounding; LLM faked only through
LiteLLM mock_response): resumability, the planted regression failing the gate, nightly records."""

from pathlib import Path
from typing import Any

import pytest

from evals.config import build_config
from evals.dataset import load_golden
from evals.gate import absolute_only, check_gate, load_gate
from evals.runner import run_eval, service_ask
from tests.fixtures.agent.support import agent_kb, agent_settings  # noqa: F401
from tests.fixtures.evals.support import GATE, GOLDEN, eval_service


class Spy:
    """Wraps the real ask function and records which cases reached the agent."""

    def __init__(self, ask: Any, fail_after: int | None = None) -> None:
        self.ask, self.seen, self.fail_after = ask, [], fail_after

    def __call__(self, case: Any) -> Any:
        if self.fail_after is not None and len(self.seen) >= self.fail_after:
            raise KeyboardInterrupt("killed")
        self.seen.append(case.id)
        return self.ask(case)


def test_killed_run_resumes_without_recomputing(agent_settings: Any, tmp_path: Path) -> None:  # noqa: F811
    golden = load_golden(GOLDEN)
    config = build_config(agent_settings)
    svc = eval_service(agent_settings, tmp_path)
    run_dir = tmp_path / "run"
    first = Spy(service_ask(svc, config), fail_after=2)
    with pytest.raises(KeyboardInterrupt):
        run_eval(golden, config, run_dir, ask=first)
    assert len(list((run_dir / "cases").glob("*.json"))) == 2
    second = Spy(service_ask(svc, config))
    results = run_eval(golden, config, run_dir, ask=second)
    assert second.seen == [c.id for c in golden.cases[2:]]
    assert results.n == len(golden.cases) and not results.failed
    assert [r.id for r in results.per_case] == [c.id for c in golden.cases]
    third = Spy(service_ask(svc, config))
    again = run_eval(golden, config, run_dir, ask=third)
    assert third.seen == [] and again.metrics["hit@5"] == results.metrics["hit@5"]
    # a config change invalidates the cache, a guard switch included (the key is the run's hash)
    changed = config.model_copy(update={"run": config.run.with_overrides(guard_llm_check=False)})
    assert changed.config_hash != config.config_hash
    fourth = Spy(service_ask(svc, changed))
    run_eval(golden.limited(1), changed, run_dir, ask=fourth)
    assert fourth.seen == [golden.cases[0].id]


def test_planted_regression_retrieval_off_fails_gate(agent_settings: Any, tmp_path: Path) -> None:  # noqa: F811
    golden = load_golden(GOLDEN)
    gate = load_gate(GATE)
    good_cfg = build_config(agent_settings)
    good = run_eval(
        golden, good_cfg, tmp_path / "good", ask=service_ask(eval_service(agent_settings, tmp_path), good_cfg)
    )
    assert check_gate(good, gate, baseline=good).passed
    bad_cfg = build_config(agent_settings, retrieval_enabled=False)
    assert bad_cfg.config_hash != good_cfg.config_hash
    bad_svc = eval_service(agent_settings, tmp_path, retrieval=False)
    bad = run_eval(golden, bad_cfg, tmp_path / "bad", ask=service_ask(bad_svc, bad_cfg))
    report = check_gate(bad, gate, baseline=good)
    assert not report.passed
    failed = {v.metric for v in report.failures}
    assert "hit@5" in failed
    assert any(line.startswith("FAIL hit@5") for line in report.lines())
    assert bad.metrics["hit@5"] == 0.0 and (good.metrics["hit@5"] or 0) > 0


def test_agent_errors_become_failed_rows(agent_settings: Any, tmp_path: Path) -> None:  # noqa: F811
    golden = load_golden(GOLDEN).limited(2)
    config = build_config(agent_settings)
    svc = eval_service(agent_settings, tmp_path)

    def ask(case: Any) -> Any:
        return svc.ask("" if case.id == golden.cases[1].id else case.question, tenant=config.tenant)

    results = run_eval(golden, config, tmp_path / "run", ask=ask)
    assert results.n == 2 and len(results.per_case) == 2
    assert [r.id for r in results.failed] == [golden.cases[1].id]
    assert "empty" in (results.failed[0].error or "")
    assert not check_gate(results, absolute_only(load_gate(GATE))).passed


def test_results_record_into_the_database_for_trends(agent_settings: Any, tmp_path: Path) -> None:  # noqa: F811
    from evals.results import load_results
    from evals.store import history, record_run
    from tests.fixtures.evals.support import RESULTS

    res = load_results(RESULTS)
    for i in range(3):
        r = res.model_copy(update={"run_id": f"run{i}", "created_at": f"2025-01-0{i + 1}T00:00:00+00:00"})
        record_run(r, str(tmp_path / f"run{i}"), passed=True)
    past = history(res.dataset.path)
    assert [rid for rid, _ in past] == ["run0", "run1", "run2"]
    assert past[-1][1]["hit@5"] == res.metrics["hit@5"]


def test_the_cache_key_follows_the_code_the_kb_and_the_triage_model(
    agent_settings: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    """``make eval`` reuses one run dir: an answer cached before a code change, a re-ingest or a
    retrained triage model must not be gated as the new one's."""
    from evals.config import code_fingerprint

    pkg = tmp_path / "pkg"
    (pkg / "__pycache__").mkdir(parents=True)
    (pkg / "gates").mkdir()
    (pkg / "compose.py").write_text("WEIGHT = 0.1\n")
    before = code_fingerprint([pkg])
    (pkg / "__pycache__" / "compose.cpython-311.pyc").write_bytes(b"\0")
    (pkg / "gates" / "rhdh.yaml").write_text("max: 0.2\n")  # a threshold is not an answer
    (pkg / "labels.jsonl").write_text("{}\n")
    assert code_fingerprint([pkg]) == before
    (pkg / "compose.py").write_text("WEIGHT = 0.2\n")
    assert code_fingerprint([pkg]) != before

    config = build_config(agent_settings)
    assert set(config.fingerprints) == {"code", "kb", "triage"} and config.fingerprints["kb"]
    queues = tmp_path / "queues.yaml"
    queues.write_text("billing: payments and invoices\n")
    with_queues = build_config(agent_settings.model_copy(update={"triage_queues_file": queues}))
    assert with_queues.config_hash != config.config_hash
    queues.write_text("billing: payments, invoices and refunds\n")
    edited = build_config(agent_settings.model_copy(update={"triage_queues_file": queues}))
    assert edited.config_hash != with_queues.config_hash
