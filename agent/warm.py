"""Embed a collection's passages for the grounding check ahead of the first question.

``deskpilot ingest`` calls :func:`warm_collection` after indexing: every sentence and answer unit
of every chunk goes into the persistent vector cache (``retrieval.vector_cache``), so answering
reads vectors instead of computing them. Texts already cached cost one lookup, so re-running it
after an incremental ingest embeds only what changed.
"""

from __future__ import annotations

import time

from pydantic import BaseModel

from agent.context import cached_embed
from agent.grounding import passage_texts
from deskpilot.settings import Settings
from retrieval.index import require_collection, scroll_payloads, tenant_filter
from retrieval.vector_cache import CachedEmbed

BATCH = 256


class Warmed(BaseModel):
    collection: str
    passages: int
    texts: int
    embedded: int
    seconds: float

    def line(self) -> str:
        return (
            f"{self.collection}: grounding vectors for {self.passages} passages ready "
            f"({self.embedded} of {self.texts} texts embedded now, the rest cached) in {self.seconds:.1f}s"
        )


def warm_collection(settings: Settings, collection: str, tenant: str) -> Warmed:
    """Put the grounding vectors of every chunk of ``collection`` (this tenant) in the cache."""
    from retrieval.embedder import get_embedder

    require_collection(collection)
    start = time.perf_counter()
    embed = cached_embed(settings, lambda texts: get_embedder().embed(texts))
    assert isinstance(embed, CachedEmbed)
    passages, pending, total = 0, list[str](), 0
    for payload in scroll_payloads(collection, tenant_filter(tenant), ["text"]):
        text = str(payload.get("text") or "")
        if not text:
            continue
        passages += 1
        pending += passage_texts(text)
        if len(pending) >= BATCH:
            total += len(pending)
            embed(pending)
            pending = []
    if pending:
        total += len(pending)
        embed(pending)
    return Warmed(
        collection=collection,
        passages=passages,
        texts=total,
        embedded=embed.embedded,
        seconds=round(time.perf_counter() - start, 2),
    )
