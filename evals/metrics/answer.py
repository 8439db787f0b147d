"""Answer scores per case against the reference answer, via ``ragas.metrics.collections``:
SemanticSimilarity (with OUR embedder, never a default), RougeScore, BleuScore,
NonLLMStringSimilarity."""

from __future__ import annotations

from evals.embeddings import LocalRagasEmbeddings
from evals.records import CaseRecord


class AnswerScorer:
    def __init__(self, embeddings: LocalRagasEmbeddings) -> None:
        from ragas.metrics.collections import (
            BleuScore,
            NonLLMStringSimilarity,
            RougeScore,
            SemanticSimilarity,
        )

        self.embeddings = embeddings
        self.semantic = SemanticSimilarity(embeddings=embeddings)
        self.rouge = RougeScore(rouge_type="rougeL", mode="fmeasure")
        self.bleu = BleuScore()
        self.string = NonLLMStringSimilarity()

    def prime(self, records: list[CaseRecord]) -> None:
        """Embed every answer and reference in one batch before scoring."""
        texts = [r.answer for r in records] + [r.reference_answer for r in records]
        self.embeddings.prime(texts)

    async def score(self, rec: CaseRecord) -> dict[str, float | None]:
        ref, resp = rec.reference_answer, rec.answer
        if not ref.strip():
            return {"semantic_similarity": None, "rouge": None, "bleu": None, "string_similarity": None}
        semantic = (await self.semantic.ascore(reference=ref, response=resp or " ")).value
        if not resp.strip():
            return {
                "semantic_similarity": float(semantic or 0.0),
                "rouge": 0.0,
                "bleu": 0.0,
                "string_similarity": 0.0,
            }
        rouge = (await self.rouge.ascore(reference=ref, response=resp)).value
        bleu = (await self.bleu.ascore(reference=ref, response=resp)).value
        string = (await self.string.ascore(reference=ref, response=resp)).value
        return {
            "semantic_similarity": float(semantic or 0.0),
            "rouge": float(rouge or 0.0),
            "bleu": float(bleu or 0.0),
            "string_similarity": float(string or 0.0),
        }
