"""Gate thresholds, baselines (max_drop), slices and failed/missing rows, on a recorded run."""

from pathlib import Path

import pytest

from deskpilot.exceptions import UserInputError
from evals.gate import Gate, MissingBaselineError, absolute_only, check_gate, load_gate
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


def _flip_hits(res: EvalResults, k: int) -> EvalResults:
    """A copy where the first ``k`` cases with hit@5 = 1 lose it (a per-case regression)."""
    out = res.model_copy(deep=True)
    hits = [r for r in out.per_case if r.scores.get("hit@5") == 1.0][:k]
    assert len(hits) == k
    for r in hits:
        r.scores["hit@5"] = 0.0
    return out


def test_max_drop_is_a_paired_test_on_per_case_outcomes() -> None:
    res = _results()
    # 12 cases (the recorded run's 4, three times under new ids), each with its passage found
    rows = [r.model_copy(deep=True, update={"id": f"{r.id}-{i}"}) for i in range(3) for r in res.per_case]
    for r in rows:
        r.scores["hit@5"] = 1.0
    base = res.model_copy(deep=True, update={"per_case": rows, "n": len(rows)})
    gate = Gate.model_validate({"metrics": {"hit@5": {"max_drop": 0.0}}})
    # one case lost: a dip beyond the margin, but McNemar 1 vs 0 gives p = 0.5: not significant
    dip = check_gate(_flip_hits(base, 1), gate, baseline=base)
    assert dip.passed, dip.lines()
    (v,) = [v for v in dip.verdicts if v.check == "max_drop"]
    assert v.paired is not None and v.paired.test == "mcnemar" and v.paired.p == 0.5
    assert "not significant" in v.reason
    # six cases lost, none gained: p = 1/64 < 0.05, and the drop exceeds the margin
    drop = check_gate(_flip_hits(base, 6), gate, baseline=base)
    assert _failed_metrics(drop) == {"hit@5"}
    (v,) = [v for v in drop.verdicts if v.check == "max_drop"]
    assert v.paired is not None and v.paired.p == 1 / 64 and v.paired.worse == 6
    assert v.paired.ci_high is not None and v.paired.ci_high < 0
    # the same significant drop within a wide practical margin passes
    assert check_gate(
        _flip_hits(base, 6), Gate.model_validate({"metrics": {"hit@5": {"max_drop": 0.9}}}), base
    ).passed


def test_a_hard_floor_fails_whatever_the_baseline() -> None:
    base = _results()
    hit5 = base.metrics["hit@5"]
    assert hit5 is not None
    gate = Gate.model_validate({"metrics": {"hit@5": {"min": hit5 + 0.01, "max_drop": 0.05}}})
    report = check_gate(base, gate, baseline=base)
    assert [v.check for v in report.failures] == ["min"]


def test_lower_is_better_aggregates_are_bootstrapped() -> None:
    base = _results()
    slow = base.model_copy(deep=True)
    for r in slow.per_case:
        r.latency_s += 5
    report = check_gate(slow, Gate.model_validate({"metrics": {"latency_p95_s": {"max_drop": 1}}}), base)
    assert _failed_metrics(report) == {"latency_p95_s"}
    (v,) = report.failures
    assert v.paired is not None and v.paired.test == "bootstrap_statistic" and (v.paired.drop or 0) > 4


def test_a_regression_rule_without_a_baseline_is_an_error() -> None:
    gate = Gate.model_validate({"metrics": {"hit@5": {"min": 0.1, "max_drop": 0.05}}})
    with pytest.raises(MissingBaselineError, match="hit@5"):
        check_gate(_results(), gate)
    assert check_gate(_results(), absolute_only(gate)).passed  # explicitly without: absolute limits only


def test_eval_run_without_a_baseline_exits_2_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    gate = tmp_path / "g.yaml"
    gate.write_text("metrics:\n  hit@5: {max_drop: 0.05}\n")
    golden = Path(__file__).resolve().parents[2] / "examples" / "acme" / "golden.jsonl"
    args = ["eval", "run", "--dataset", str(golden), "--gate", str(gate), "--out", str(tmp_path / "run")]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert "need a baseline" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # nothing ran


def test_small_slices_are_reported_not_gated() -> None:
    res = _results()
    n = int(res.slices["refunds"]["n"] or 0)
    gate = Gate.model_validate({"min_n": n + 1, "slices": {"refunds": {"hit@1": {"min": 2.0}}}})
    report = check_gate(res, gate)
    assert report.passed
    (v,) = [v for v in report.verdicts if v.scope == "refunds"]
    assert v.check == "min_n" and "not gated" in v.reason


def test_slice_rule_fails_for_that_category() -> None:
    res = _results()
    hit1 = res.slices["refunds"]["hit@1"]
    assert hit1 is not None
    gate = Gate.model_validate(
        {"min_n": 1, "slices": {"refunds": {"hit@1": {"min": hit1 + 0.5}}, "nope": {"rouge": {"min": 0}}}}
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
