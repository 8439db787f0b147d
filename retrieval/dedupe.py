"""Collapse near-duplicate passages in a ranked result list.

Guides repeat each other: the same "Provisioning your custom configuration" section appears
in the AKS, EKS and GKE install guides, and whole paragraphs of the authentication guide
reappear in the getting-started guide. Without this step those copies fill the top of the
list and push different passages out. A hit *near-duplicates* an earlier (better-ranked) one
when at least ``threshold`` of the smaller token set (lowercase alphanumeric runs, as in
:mod:`retrieval.metrics`) is shared. It is dropped and its source is added to the earlier
hit's ``also_in``, so one slot shows the passage once and cites every guide that has it.
"""

from __future__ import annotations

from functools import lru_cache

from retrieval.metrics import token_set
from retrieval.models import SearchHit

DEFAULT_THRESHOLD = 0.8  # the tuning split of bench/retrieval.py: 0.8 > 0.9 > 0.95 > off
CANDIDATES = 40  # fused candidates to look at so that k distinct passages remain

_tokens = lru_cache(maxsize=8192)(token_set)  # chunk texts recur across queries


def _contained(a: set[str], b: set[str]) -> float:
    smaller = min(len(a), len(b))
    return len(a & b) / smaller if smaller else 0.0


def collapse(hits: list[SearchHit], threshold: float = DEFAULT_THRESHOLD) -> list[SearchHit]:
    """Best-first ``hits`` with near-duplicates folded into the first of their kind.

    ``threshold`` > 1 turns the step off. Scores and order of the kept hits are unchanged.
    """
    if threshold > 1 or len(hits) < 2:
        return list(hits)
    kept: list[SearchHit] = []
    kept_tokens: list[set[str]] = []
    extra: list[list[str]] = []
    for hit in hits:
        toks = _tokens(hit.text)
        for j, other in enumerate(kept_tokens):
            if _contained(toks, other) >= threshold:
                for source in (hit.source, *hit.also_in):
                    if source != kept[j].source and source not in extra[j]:
                        extra[j].append(source)
                break
        else:
            kept.append(hit)
            kept_tokens.append(toks)
            extra.append([])
    return [
        h.model_copy(update={"also_in": [*h.also_in, *(s for s in more if s not in h.also_in)]})
        if more
        else h
        for h, more in zip(kept, extra, strict=True)
    ]
