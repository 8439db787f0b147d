"""The planted change the issue asks the gate to catch: a candidate whose answers equal the
baseline's except a swapped number or a flipped negation in a few of them. Semantic similarity
barely moves (within 0.02) and its rule passes; the wrong_rate / complete_rate rules fail it.
Runs go through the real eval pipeline (records, scorers with the local embedder, verdicts,
gate); only the agent is replaced by recorded AgentResults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.models import AgentResult, Citation
from evals.audit import AuditLabel, answer_sha256
from evals.config import build_config
from evals.dataset import load_golden
from evals.gate import Gate, check_gate, load_gate
from evals.relabel import relabel
from evals.results import EvalResults
from evals.runner import run_eval
from retrieval.models import SearchHit

ROOT = Path(__file__).resolve().parents[2]
GATE = ROOT / "tests" / "fixtures" / "evals" / "gate_correctness.yaml"
IDS = [f"acme-{i:03d}" for i in range(1, 17)]
PLANTED = {  # realistic one-token regressions
    "acme-001": ("180 days", "90 days"),
    "acme-003": ("is not returned", "is returned"),
    "acme-007": ("14 calendar days", "21 calendar days"),
    "acme-013": ("7 days", "3 days"),
    "acme-016": ("24 hours", "48 hours"),
}


def _ask(planted: bool) -> Any:
    def ask(case: Any) -> AgentResult:
        answer = case.reference_answer
        if planted and case.id in PLANTED:
            old, new = PLANTED[case.id]
            answer = answer.replace(old, new)
        doc = case.source_docs[0]
        hits = [
            SearchHit(id=f"{case.id}-{i}", source=doc, title=doc, heading="", text=text, score=1.0 - i / 10)
            for i, text in enumerate(case.reference_contexts)
        ]
        return AgentResult(
            answer=f"{answer} [1]",
            citations=[Citation(source=doc)],
            route="answer",
            thread_id=case.id,
            retrieved=hits,
            answer_mode="extractive",
        )

    return ask


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[EvalResults, EvalResults]:
    full = load_golden(ROOT / "examples" / "acme" / "golden.jsonl")
    golden = full.model_copy(update={"cases": [c for c in full.cases if c.id in IDS]})
    from deskpilot.settings import get_settings

    config = build_config(get_settings())
    base_dir, cand_dir = tmp_path_factory.mktemp("base"), tmp_path_factory.mktemp("cand")
    base = run_eval(golden, config, base_dir, ask=_ask(False), audit_files=[])
    cand = run_eval(golden, config, cand_dir, ask=_ask(True), audit_files=[])
    return base, cand


def test_gate_fails_a_planted_wrong_answer_change_that_similarity_misses(
    runs: tuple[EvalResults, EvalResults],
) -> None:
    base, cand = runs
    gate = load_gate(GATE)
    sim_base, sim_cand = base.metrics["semantic_similarity"], cand.metrics["semantic_similarity"]
    assert sim_base is not None and sim_cand is not None and abs(sim_base - sim_cand) <= 0.02
    assert base.metrics["wrong_rate"] == 0.0, [
        (r.id, r.proxy_reasons) for r in base.per_case if r.verdict != "correct"
    ]
    planted = {r.id: r for r in cand.per_case if r.id in PLANTED}
    assert all(r.verdict == "wrong" and r.verdict_source == "proxy" for r in planted.values()), {
        i: r.proxy_reasons for i, r in planted.items()
    }
    assert cand.metrics["wrong_rate"] == len(PLANTED) / len(IDS)
    assert check_gate(base, gate, baseline=base).passed
    report = check_gate(cand, gate, baseline=base)
    failed = {v.metric for v in report.failures}
    assert not report.passed and {"wrong_rate", "complete_rate"} <= failed
    assert "semantic_similarity" not in failed  # the old gate would have shipped it
    # the gate without the correctness rules would have passed the candidate
    sim_only = Gate.model_validate({"metrics": {"semantic_similarity": {"min": 0.5, "max_drop": 0.02}}})
    assert check_gate(cand, sim_only, baseline=base).passed
    first = next(r for r in cand.per_case if r.id == "acme-002")  # two passages of one guide, first cited
    assert len(first.retrieved) == 2 and first.cited_passages == [first.retrieved[0].text]


def _labels(results: EvalResults, ids: list[str]) -> list[AuditLabel]:
    return [
        AuditLabel(
            case_id=r.id,
            answer_sha256=answer_sha256(r.answer),
            verdict="wrong" if r.id in PLANTED else "correct",
            reason="planted" if r.id in PLANTED else "",
            split="tune",
            labeller="test",
        )
        for r in results.per_case
        if r.id in ids
    ]


def test_requires_agreement_enforces_proxy_rules_only_once_measured(
    runs: tuple[EvalResults, EvalResults], tmp_path: Path
) -> None:
    _, cand = runs
    rule = {
        "max": 0.05,
        "requires_agreement": {
            "proxy": "verdict",
            "target": "wrong",
            "min_precision": 0.8,
            "min_recall": 0.8,
            "min_n": 8,
        },
    }
    gate = Gate.model_validate({"metrics": {"wrong_rate": rule}})
    # no labels: the proxy is unmeasured, the rule is reported and not enforced
    unmeasured = check_gate(cand, gate)
    (v,) = [v for v in unmeasured.verdicts if v.metric == "wrong_rate"]
    assert (
        unmeasured.passed
        and v.check == "agreement"
        and "not enforced" in v.reason
        and "0 labelled" in v.reason
    )
    # 8 labelled answers (3 planted) on which the proxy agrees: measured, enforced, failing
    some = IDS[:8]
    measured = relabel(cand, _labels(cand, some), [tmp_path / "a.jsonl"])
    agree = measured.proxy_agreement.find("verdict", "wrong") if measured.proxy_agreement else None
    assert agree is not None and agree["n"] == 8 and agree["precision"] == 1.0 and agree["recall"] == 1.0
    report = check_gate(measured, gate)
    assert not report.passed and {v.metric for v in report.failures} == {"wrong_rate"}
    # every answer labelled: no proxy in the rate, enforced whatever the agreement
    full = relabel(cand, _labels(cand, IDS), [tmp_path / "a.jsonl"])
    assert full.metrics["n_proxy"] == 0 and full.metrics["audit_wrong_rate"] == len(PLANTED) / len(IDS)
    strict = Gate.model_validate({"metrics": {"wrong_rate": {**rule, "requires_agreement": {"min_n": 500}}}})
    assert not check_gate(full, strict).passed
    assert json.loads(full.model_dump_json())["proxy_agreement"]["n"] == len(IDS)
