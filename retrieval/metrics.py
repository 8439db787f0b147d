"""Retrieval metrics shared by ``bench/retrieval.py`` and the eval harness.

A retrieved chunk is a *hit* for a golden item when its source is one of the item's
``source_docs`` and it shares at least half of the smaller token set with one of the
item's ``reference_contexts`` (tokens: lowercase alphanumeric runs). A result that stands
for near-identical passages in several guides (``also_in``) has each of them as a source.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

_TOKEN = re.compile(r"[a-z0-9]+")
OVERLAP = 0.5


class RetrievalScores(BaseModel):
    n: int
    hit_at_1: float
    hit_at_5: float
    mrr_at_10: float

    def as_metrics(self) -> dict[str, float]:
        return {"hit@1": self.hit_at_1, "hit@5": self.hit_at_5, "mrr@10": self.mrr_at_10}


def token_set(text: str) -> set[str]:
    return set(_TOKEN.findall(text.lower()))


def _source_matches(source: str, source_docs: Sequence[str]) -> bool:
    return any(source == d or source.endswith("/" + d) or d.endswith("/" + source) for d in source_docs)


def is_hit(source: str, text: str, source_docs: Sequence[str], contexts: Sequence[str]) -> bool:
    if not _source_matches(source, source_docs):
        return False
    chunk = token_set(text)
    for ctx in contexts:
        ref = token_set(ctx)
        smaller = min(len(chunk), len(ref))
        if smaller and len(chunk & ref) / smaller >= OVERLAP:
            return True
    return False


def first_hit_rank(hits: Iterable[Any], item: dict[str, Any]) -> int | None:
    """1-based rank of the first hit (objects with ``.source`` and ``.text``), or None.

    A hit that folded near-duplicates (``.also_in``, see :mod:`retrieval.dedupe`) counts for
    each of those sources too, judged on the text it shows."""
    for rank, hit in enumerate(hits, start=1):
        sources = [hit.source, *(getattr(hit, "also_in", None) or [])]
        if any(is_hit(s, hit.text, item["source_docs"], item["reference_contexts"]) for s in sources):
            return rank
    return None


def score_ranks(ranks: Sequence[int | None]) -> RetrievalScores:
    n = len(ranks)
    if not n:
        return RetrievalScores(n=0, hit_at_1=0.0, hit_at_5=0.0, mrr_at_10=0.0)
    return RetrievalScores(
        n=n,
        hit_at_1=sum(1 for r in ranks if r is not None and r <= 1) / n,
        hit_at_5=sum(1 for r in ranks if r is not None and r <= 5) / n,
        mrr_at_10=sum(1 / r for r in ranks if r is not None and r <= 10) / n,
    )


def split_by_group(
    items: Sequence[dict[str, Any]], *, tune_fraction: float = 0.6, seed: int = 13, key: str = "context_group"
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(tuning, held-out) split with whole groups on one side; deterministic for a seed."""
    groups = sorted({str(it.get(key, it.get("id"))) for it in items})
    random.Random(seed).shuffle(groups)
    tune_groups = set(groups[: round(len(groups) * tune_fraction)])
    tune = [it for it in items if str(it.get(key, it.get("id"))) in tune_groups]
    held = [it for it in items if str(it.get(key, it.get("id"))) not in tune_groups]
    return tune, held
