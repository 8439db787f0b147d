"""The persistent vector cache: each text is embedded once across processes, per model; the
grounding vectors of a collection can be put there ahead (``agent.warm``), after which answering
embeds no passage at all."""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

from pathlib import Path
from typing import Any

import numpy as np

from agent.grounding import passage_texts
from retrieval.vector_cache import CachedEmbed, VectorCache
from tests.fakes import HashingEmbedder
from tests.fixtures.agent.support import COLLECTION, TENANT, agent_kb, agent_settings  # noqa: F401


class Counting:
    def __init__(self) -> None:
        self.inner = HashingEmbedder()
        self.seen: list[str] = []

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return self.inner.embed(texts)


def test_texts_are_embedded_once_across_processes_and_come_back_identical(tmp_path: Path) -> None:
    path = tmp_path / "vectors.sqlite"
    texts = [
        "Refunds take 5 to 10 business days.",
        "Disputes cost $15.",
        "Refunds take 5 to 10 business days.",
    ]
    first = Counting()
    got = CachedEmbed(first, VectorCache(path, "m1"))(texts)
    assert first.seen == texts[:2]  # the duplicate is embedded once
    np.testing.assert_array_equal(got, HashingEmbedder().embed(texts))
    # another process (a new connection on the same file): nothing to embed
    second = Counting()
    again = CachedEmbed(second, lambda: VectorCache(path, "m1"))
    np.testing.assert_array_equal(
        again(list(reversed(texts))), HashingEmbedder().embed(list(reversed(texts)))
    )
    assert second.seen == [] and again.embedded == 0
    # another model is a miss, never a wrong vector
    third = Counting()
    CachedEmbed(third, VectorCache(path, "m2"))(texts[:1])
    assert third.seen == texts[:1]
    assert len(VectorCache(path, "m1")) == 3  # two texts of m1, one of m2


def test_warmed_collection_answers_without_embedding_a_passage(agent_settings: Any, tmp_path: Path) -> None:
    from agent.warm import warm_collection
    from retrieval.index import scroll_payloads, tenant_filter

    settings = agent_settings
    warmed = warm_collection(settings, COLLECTION, TENANT)
    chunks = [p["text"] for p in scroll_payloads(COLLECTION, tenant_filter(TENANT), ["text"])]
    assert warmed.passages == len(chunks) > 0
    wanted = {t for c in chunks for t in passage_texts(c)}
    assert warmed.texts >= len(wanted)
    again = warm_collection(settings, COLLECTION, TENANT)
    assert again.embedded == 0 and again.texts == warmed.texts

    from agent.context import cached_embed

    counting = Counting()
    embed = cached_embed(settings, counting)
    embed([t for c in chunks for t in passage_texts(c)])
    assert counting.seen == []  # every passage text was ready
