"""Collapse near-duplicate passages in a ranked result list.

Guides repeat each other: the same "Provisioning your custom configuration" section appears
in the AKS, EKS and GKE install guides, and whole paragraphs of the authentication guide
reappear in the getting-started guide. Without this step those copies fill the top of the
list and push different passages out. Going down the ranking, a hit is compared with each
better-ranked hit kept so far (word sets: lowercase alphanumeric runs, as in
:mod:`retrieval.metrics`):

- it is *dropped* when at least ``threshold`` of its words are in the kept passage: it would
  show nothing new (a short stub ranked first therefore never absorbs a longer passage);
- its source is *cited* in the kept hit's ``also_in`` only when, in addition, at least
  ``threshold`` of the kept passage's words are in it: the passage shown is in that guide too.
  A dropped excerpt of a longer passage is not cited.

The threshold (0.8) is a definition of "the same passage", not a tuned value: the hit metric
credits ``also_in`` sources, so it would reward ever looser folding.
"""

from __future__ import annotations

from functools import lru_cache

from retrieval.metrics import token_set
from retrieval.models import SearchHit

DEFAULT_THRESHOLD = 0.8
CANDIDATES = 40  # fused candidates to look at so that k distinct passages remain

_tokens = lru_cache(maxsize=8192)(token_set)  # chunk texts recur across queries


def _covered(inner: set[str], outer: set[str]) -> float:
    """Share of ``inner``'s words that ``outer`` also has."""
    return len(inner & outer) / len(inner) if inner else 1.0


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
            if _covered(toks, other) >= threshold:  # the kept passage already says all this
                if _covered(other, toks) >= threshold:  # ... and this guide has the kept passage
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
