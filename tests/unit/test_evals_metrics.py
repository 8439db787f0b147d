"""Metric plumbing: our embedder inside ragas SemanticSimilarity, routing metrics, judge via
LiteLLM mock_response in JSON-schema mode, aggregation over recorded per-case rows."""

import asyncio
import json
from typing import Any

import numpy as np
import pytest

from evals.embeddings import LocalRagasEmbeddings
from evals.metrics.aggregate import percentile, score_records, summarize
from evals.metrics.routing import confusion, macro_f1, routing_metrics
from evals.records import CaseRecord
from evals.results import load_results
from tests.fixtures.evals.support import RESULTS


class CountingEmbed:
    """A deterministic bag-of-letters embedding that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), 26), dtype=np.float32)
        for i, t in enumerate(texts):
            for ch in t.lower():
                if "a" <= ch <= "z":
                    out[i, ord(ch) - 97] += 1
        return out + 1e-6


def _rec(
    i: int, category: str, predicted: str, *, abstain: bool = False, expected: str = "answer"
) -> CaseRecord:
    return CaseRecord(
        id=str(i),
        case_hash="h",
        config_hash="c",
        question="q",
        reference_answer="r",
        category=category,
        predicted_category=predicted,
        abstained=abstain,
        escalated=abstain,
        expected_behavior=expected,
        answer="" if abstain else "some answer",
        latency_s=float(i),
    )


def test_semantic_similarity_uses_our_embedder_in_one_batch() -> None:
    recs = [r.model_copy(deep=True) for r in load_results(RESULTS).per_case]
    embed = CountingEmbed()
    score_records(recs, LocalRagasEmbeddings(embed, name="letters"))
    assert embed.calls == 1  # primed once for all answers and references
    for r in recs:
        if r.expected_behavior == "answer":
            a, b = embed([r.answer])[0], embed([r.reference_answer])[0]
            cos = float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
            assert r.scores["semantic_similarity"] == pytest.approx(cos, abs=1e-5)
        else:
            assert "semantic_similarity" not in r.scores


def test_identical_answer_scores_top_marks() -> None:
    rec = load_results(RESULTS).per_case[0].model_copy(deep=True)
    rec.answer = rec.reference_answer
    rec.retrieved = rec.retrieved[:1]
    rec.retrieved[0].text = rec.reference_contexts[0]
    score_records([rec], LocalRagasEmbeddings(CountingEmbed()))
    for name in ("semantic_similarity", "rouge", "bleu", "string_similarity", "context_recall", "hit@1"):
        assert rec.scores[name] == pytest.approx(1.0, abs=1e-6), name


def test_routing_metrics_and_out_of_scope_rule() -> None:
    recs = [
        _rec(1, "a", "a"),
        _rec(2, "a", "b"),
        _rec(3, "b", "b"),
        _rec(4, "out_of_scope", "a", abstain=True, expected="abstain"),
        _rec(5, "out_of_scope", "a", expected="abstain"),
    ]
    m = routing_metrics(recs)
    assert m["routing_accuracy"] == pytest.approx(3 / 5)
    # F1 per true label: a: tp1 fp1(oos->a) fn1 = .5 ; b: tp1 fp1 = 2/3 ; oos: tp1 fn1 = 2/3
    assert macro_f1(recs) == pytest.approx((0.5 + 2 / 3 + 2 / 3) / 3)
    assert m["answer_rate"] == 1.0 and m["abstention_rate"] == 0.5
    conf = confusion(recs)
    assert sum(map(sum, conf.matrix)) == len(recs)
    i, j = conf.labels.index("out_of_scope"), conf.labels.index("a")
    assert conf.matrix[i][i] == 1 and conf.matrix[i][j] == 1


def test_summary_counts_failed_rows_and_keeps_n() -> None:
    recs = [_rec(i, "a", "a") for i in range(1, 5)]
    recs[0].error = "boom"
    m = summarize(recs, n_expected=6)
    assert m["n_failed"] == 1 and m["n_missing"] == 2 and m["n_ok"] == 3
    assert m["latency_p50_s"] == percentile([2.0, 3.0, 4.0], 50) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(
        float(np.percentile([1, 2, 3, 4, 5], 95))
    )


@pytest.mark.parametrize("verdict", [0, 1])
def test_judge_plumbing_through_litellm_mock(verdict: int) -> None:
    import instructor

    from evals.metrics.judge import JudgeScorer, judge_meaningful

    rec = load_results(RESULTS).per_case[0]
    reply: dict[str, Any] = {
        "reason": "checked",
        "verdict": verdict,
        "question": rec.question,
        "noncommittal": 0,
    }
    judge = JudgeScorer(
        "local/smollm2", LocalRagasEmbeddings(CountingEmbed()), mock_response=json.dumps(reply)
    )
    assert judge.precision.llm.client.mode == instructor.Mode.JSON_SCHEMA
    scores = asyncio.run(judge.score(rec))
    assert scores["llm_context_precision"] == pytest.approx(float(verdict), abs=1e-6)
    assert scores["response_relevancy"] == pytest.approx(1.0, abs=1e-6)  # same question back, committal
    assert not judge_meaningful("local/smollm2") and judge_meaningful("openai/gpt-4o-mini")
