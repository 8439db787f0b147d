"""The rerank stage after hybrid fusion, behind a small interface.

No cross-encoder weights are available offline, so the rerankers here rescore the fused
candidates with what is at hand: the query/chunk cosine from the dense vectors, the fused
(RRF) rank, and lexical overlap of the query with the chunk's title and heading path.
``bench/retrieval.py`` compares them; the default (``settings.retrieval_rerank``) is the one
the benchmark keeps.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from deskpilot.exceptions import UserInputError
from retrieval.models import SearchHit
from retrieval.sparse import terms


class Reranker(Protocol):
    name: str
    candidates: int  # how many fused candidates it wants to see
    needs_vectors: bool

    def rerank(
        self, query: str, qvec: np.ndarray, hits: list[SearchHit], vectors: np.ndarray | None
    ) -> list[SearchHit]: ...


class NoRerank:
    name = "none"
    candidates = 0
    needs_vectors = False

    def rerank(
        self, query: str, qvec: np.ndarray, hits: list[SearchHit], vectors: np.ndarray | None
    ) -> list[SearchHit]:
        return hits


class BlendRerank:
    """score = alpha·cosine + (1-alpha)·(RRF score / best RRF score) + heading_boost·overlap,
    where overlap is the share of query terms found in the chunk's title + heading path."""

    needs_vectors = True

    def __init__(self, name: str, *, alpha: float, heading_boost: float = 0.0, candidates: int = 30) -> None:
        self.name = name
        self.alpha = alpha
        self.heading_boost = heading_boost
        self.candidates = candidates

    def rerank(
        self, query: str, qvec: np.ndarray, hits: list[SearchHit], vectors: np.ndarray | None
    ) -> list[SearchHit]:
        if not hits:
            return hits
        cos = vectors @ qvec if vectors is not None and len(vectors) else np.zeros(len(hits))
        top = max(h.score for h in hits) or 1.0
        qterms = set(terms(query))
        out = []
        for hit, c in zip(hits, cos, strict=True):
            score = self.alpha * float(c) + (1 - self.alpha) * hit.score / top
            if self.heading_boost and qterms:
                head = set(terms(f"{hit.title} {hit.heading}"))
                score += self.heading_boost * len(qterms & head) / len(qterms)
            out.append(hit.model_copy(update={"score": score}))
        return sorted(out, key=lambda h: h.score, reverse=True)


RERANKERS: dict[str, Reranker] = {
    "none": NoRerank(),
    "blend": BlendRerank("blend", alpha=0.5),
    "heading": BlendRerank("heading", alpha=0.0, heading_boost=0.2),
    "blend-heading": BlendRerank("blend-heading", alpha=0.5, heading_boost=0.1),
}


def get_reranker(name: str | Reranker) -> Reranker:
    if not isinstance(name, str):
        return name
    try:
        return RERANKERS[name]
    except KeyError:
        raise UserInputError(f"unknown reranker {name!r}: use one of {', '.join(RERANKERS)}") from None
