"""Retrieval evidence for the abstain decision, from retrieval alone (never from the model).

Two signals, thresholds in settings (chosen on examples/acme/golden.jsonl):
- ``cosine``: best question↔passage-unit cosine of the top passages (``Grounder.evidence``);
- ``coverage``: IDF-weighted share of the question's content words that the top passages
  contain. IDF comes from the tenant's collection (document frequencies, cached per
  collection size), so a question about words the knowledge base never uses
  ("PayPal", "hiring", "countersue") has low coverage even when its topic sounds close.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from agent.grounding import content_tokens
from retrieval.collection_cache import CollectionCache

DocFreq = tuple[dict[str, int], int]


def norm_words(tokens: set[str]) -> set[str]:
    """Content words with a trailing plural ``s`` folded, as the document frequencies count them."""
    return {t.rstrip("s") for t in tokens}


_norm = norm_words


def _build_doc_freq(collection: str, tenant: str) -> DocFreq:
    from retrieval import index

    df: dict[str, int] = {}
    n = 0
    for text in index.iter_texts(collection, tenant):
        n += 1
        for t in _norm(content_tokens(text)):
            df[t] = df.get(t, 0) + 1
    return df, n


_doc_freqs: CollectionCache[DocFreq] = CollectionCache(_build_doc_freq)


def collection_doc_freq(collection: str, tenant: str) -> DocFreq:
    """Document frequencies of content words over the tenant's chunks (cached per content version)."""
    return _doc_freqs.get(collection, tenant)


def idf_weight(doc_freq: DocFreq) -> Callable[[str], float]:
    """IDF of a content word in the tenant's collection (plural folded): rare words weigh most."""
    df, n = doc_freq

    def idf(t: str) -> float:
        return math.log((n + 1) / (df.get(t.rstrip("s"), 0) + 0.5))

    return idf


def coverage(question: str, hits: list[dict[str, Any]], doc_freq: DocFreq) -> float:
    words = _norm(content_tokens(question))
    if not words or not hits:
        return 0.0
    seen = _norm({t for h in hits for t in content_tokens(h["text"])})
    idf = idf_weight(doc_freq)
    total = sum(idf(t) for t in words)
    return sum(idf(t) for t in words if t in seen) / total if total > 0 else 0.0


DocFreqFn = Callable[[str, str], DocFreq]
