"""LLM-judge metrics, only when ``settings.judge_model`` is set (any LiteLLM model string).

The judge is ``ragas.llms.llm_factory(model, provider="litellm", client=litellm.acompletion)``
with Instructor switched to JSON-schema mode (``response_format`` carries the schema, which
the local llama.cpp provider turns into a grammar). ``extra`` is passed to every completion
call (tests pass ``mock_response`` there). With the local 135M model these scores only prove
the plumbing works; they are NOT meaningful, and results/report say so.
"""

from __future__ import annotations

import logging
from typing import Any

from evals.embeddings import LocalRagasEmbeddings
from evals.records import CaseRecord

JUDGE_METRICS = ("faithfulness", "response_relevancy", "factual_correctness", "llm_context_precision")
log = logging.getLogger(__name__)


def judge_meaningful(model: str) -> bool:
    """False for the tiny local model: its judge scores exercise plumbing only."""
    return not model.startswith("local/")


def make_judge_llm(model: str, **extra: Any) -> Any:
    import instructor
    import litellm
    from ragas.llms import llm_factory

    from deskpilot.llm import ensure_registered

    ensure_registered()
    llm = llm_factory(model, provider="litellm", client=litellm.acompletion, max_tokens=512, **extra)
    llm.client = instructor.from_litellm(litellm.acompletion, mode=instructor.Mode.JSON_SCHEMA)  # type: ignore[attr-defined]
    return llm


class JudgeScorer:
    def __init__(self, model: str, embeddings: LocalRagasEmbeddings, **extra: Any) -> None:
        from ragas.metrics.collections import (
            AnswerRelevancy,
            ContextPrecisionWithReference,
            FactualCorrectness,
            Faithfulness,
        )

        self.model = model
        llm = make_judge_llm(model, **extra)
        self.faithfulness = Faithfulness(llm=llm)
        self.relevancy = AnswerRelevancy(llm=llm, embeddings=embeddings, strictness=1)
        self.factual = FactualCorrectness(llm=llm)
        self.precision = ContextPrecisionWithReference(llm=llm)

    async def _one(self, name: str, coro: Any) -> float | None:
        try:
            value = (await coro).value
            return None if value is None else float(value)
        except Exception as exc:  # a judge that cannot produce the schema scores nothing
            log.warning(
                "judge metric %s failed: %s", name, str(exc).splitlines()[0][:200] if str(exc) else exc
            )
            return None

    async def score(self, rec: CaseRecord) -> dict[str, float | None]:
        out: dict[str, float | None] = dict.fromkeys(JUDGE_METRICS)
        if not rec.answered:
            return out
        if rec.contexts:
            out["faithfulness"] = await self._one(
                "faithfulness",
                self.faithfulness.ascore(
                    user_input=rec.question, response=rec.answer, retrieved_contexts=rec.contexts
                ),
            )
            out["llm_context_precision"] = await self._one(
                "llm_context_precision",
                self.precision.ascore(
                    user_input=rec.question, reference=rec.reference_answer, retrieved_contexts=rec.contexts
                ),
            )
        out["response_relevancy"] = await self._one(
            "response_relevancy", self.relevancy.ascore(user_input=rec.question, response=rec.answer)
        )
        if rec.reference_answer.strip():
            out["factual_correctness"] = await self._one(
                "factual_correctness",
                self.factual.ascore(response=rec.answer, reference=rec.reference_answer),
            )
        return out
