"""Gate thresholds, baselines (max_drop), slices and failed/missing rows, on a recorded run."""

from pathlib import Path

import pytest

from deskpilot.exceptions import UserInputError
from evals.gate import Gate, check_gate, load_gate
from evals.results import EvalResults, load_results
from tests.fixtures.evals.support import GATE, RESULTS


def _results() -> EvalResults:
    return load_results(RESULTS)


def _failed_metrics(report) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.metric for v in report.failures}


def test_recorded_run_passes_the_shipped_fixture_gate() -> None:
    res = _results()
    report = check_gate(res, load_gate(GATE), baseline=res)
    assert report.passed, report.lines()
    assert {v.metric for v in report.verdicts} >= {"hit@5", "semantic_similarity", "n_failed", "n_missing"}


def test_min_and_max_thresholds_fail_naming_the_metric() -> None:
    res = _results()
    sim = res.metrics["semantic_similarity"]
    p95 = res.metrics["latency_p95_s"]
    assert sim is not None and p95 is not None
    gate = Gate.model_validate(
        {"metrics": {"semantic_similarity": {"min": sim + 0.01}, "latency_p95_s": {"max": p95 / 2}}}
    )
    report = check_gate(res, gate)
    assert not report.passed and _failed_metrics(report) == {"semantic_similarity", "latency_p95_s"}
    assert any("semantic_similarity" in line and "< min" in line for line in report.lines())


def test_max_drop_against_baseline() -> None:
    base = _results()
    current = base.model_copy(deep=True)
    sim = base.metrics["semantic_similarity"]
    assert sim is not None
    current.metrics["semantic_similarity"] = sim - 0.05
    gate = Gate.model_validate({"metrics": {"semantic_similarity": {"max_drop": 0.02}}})
    assert not check_gate(current, gate, baseline=base).passed
    assert check_gate(
        current, Gate.model_validate({"metrics": {"semantic_similarity": {"max_drop": 0.06}}}), baseline=base
    ).passed
    # lower-is-better metrics: a rise is the "drop"
    slow = base.model_copy(deep=True)
    slow.metrics["latency_p95_s"] = (base.metrics["latency_p95_s"] or 0) + 5
    report = check_gate(slow, Gate.model_validate({"metrics": {"latency_p95_s": {"max_drop": 1}}}), base)
    assert _failed_metrics(report) == {"latency_p95_s"}


def test_slice_rule_fails_for_that_category() -> None:
    res = _results()
    hit1 = res.slices["refunds"]["hit@1"]
    assert hit1 is not None
    gate = Gate.model_validate(
        {"slices": {"refunds": {"hit@1": {"min": hit1 + 0.5}}, "nope": {"rouge": {"min": 0}}}}
    )
    report = check_gate(res, gate)
    failed = {(v.scope, v.metric) for v in report.failures}
    assert failed == {("refunds", "hit@1"), ("nope", "rouge")}


def test_failed_or_missing_rows_fail_the_gate_even_without_rules() -> None:
    res = _results()
    assert check_gate(res, Gate()).passed
    broken = res.model_copy(deep=True)
    broken.per_case[0].error = "ModelError: boom"
    assert _failed_metrics(check_gate(broken, Gate())) == {"n_failed"}
    short = res.model_copy(deep=True)
    short.per_case = short.per_case[:-1]
    assert _failed_metrics(check_gate(short, Gate())) == {"n_missing"}
    fewer = res.model_copy(deep=True, update={"n": res.n - 1})
    fewer.per_case = fewer.per_case[:-1]
    assert "n" in _failed_metrics(check_gate(fewer, Gate(), baseline=res))


def test_metric_missing_from_results_fails() -> None:
    report = check_gate(_results(), Gate.model_validate({"metrics": {"faithfulness": {"min": 0.5}}}))
    assert _failed_metrics(report) == {"faithfulness"}


def test_bad_gate_file_is_user_input_error(tmp_path: Path) -> None:
    f = tmp_path / "g.yaml"
    f.write_text("metrics:\n  rouge: {minimum: 0.5}\n")
    with pytest.raises(UserInputError, match="rouge"):
        load_gate(f)
    f.write_text("metrics: [unclosed\n")
    with pytest.raises(UserInputError, match="YAML"):
        load_gate(f)


@pytest.mark.parametrize(
    "gate", sorted((Path(__file__).resolve().parents[2] / "evals" / "gates").glob("*.yaml"))
)
def test_shipped_gate_files_parse(gate: Path) -> None:
    parsed = load_gate(gate)
    assert parsed.metrics, gate
