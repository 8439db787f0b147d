"""Retrieval scores per case: hit@1, hit@5, reciprocal rank (``retrieval.metrics`` hit
definition) and ragas ``NonLLMContextRecall`` / ``NonLLMContextPrecisionWithReference``."""

from __future__ import annotations

from typing import Any

from evals.records import CaseRecord
from retrieval.metrics import first_hit_rank


def rank_scores(rec: CaseRecord) -> dict[str, float | None]:
    rank = first_hit_rank(
        rec.retrieved, {"source_docs": rec.source_docs, "reference_contexts": rec.reference_contexts}
    )
    return {
        "hit@1": 1.0 if rank is not None and rank <= 1 else 0.0,
        "hit@5": 1.0 if rank is not None and rank <= 5 else 0.0,
        "mrr@10": 1.0 / rank if rank is not None and rank <= 10 else 0.0,
        "first_hit_rank": float(rank) if rank is not None else None,
    }


class ContextScorer:
    """ragas non-LLM context metrics (legacy single-turn API; not in ``collections`` in 0.4.3)."""

    def __init__(self) -> None:
        # imported from their modules: the ``ragas.metrics`` re-export warns as deprecated
        from ragas.metrics._context_precision import NonLLMContextPrecisionWithReference
        from ragas.metrics._context_recall import NonLLMContextRecall

        self.recall = NonLLMContextRecall()
        self.precision = NonLLMContextPrecisionWithReference()

    async def score(self, rec: CaseRecord) -> dict[str, float | None]:
        from ragas.dataset_schema import SingleTurnSample

        if not rec.reference_contexts:
            return {"context_recall": None, "context_precision": None}
        if not rec.retrieved:
            return {"context_recall": 0.0, "context_precision": 0.0}
        sample: Any = SingleTurnSample(
            retrieved_contexts=rec.contexts, reference_contexts=rec.reference_contexts
        )
        recall = float(await self.recall.single_turn_ascore(sample))
        precision = float(await self.precision.single_turn_ascore(sample))
        return {"context_recall": recall, "context_precision": round(precision, 6)}
