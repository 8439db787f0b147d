"""Ingest + search with the real (bundled) embedder on both index backends: real qdrant-client
local mode (``DESKPILOT_INDEX_BACKEND=local``) and the embedded Qdrant Edge shard (the default)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from deskpilot.exceptions import UserInputError
from retrieval import index
from retrieval.ingest import ingest_paths
from retrieval.search import search

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "retrieval" / "kb"


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    index.close_clients()


@pytest.fixture(params=["local", "edge"])
def kb(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from deskpilot.settings import get_settings

    monkeypatch.setenv("DESKPILOT_INDEX_BACKEND", request.param)
    get_settings.cache_clear()
    dst = tmp_path / "kb"
    shutil.copytree(FIXTURES, dst)
    return dst


def _count(collection: str, tenant: str) -> int:
    return int(index.get_client().count(collection, count_filter=index.tenant_filter(tenant)).count)


def test_incremental_ingest_skips_replaces_and_deletes(kb: Path) -> None:
    first = ingest_paths([kb], collection="kb", tenant="t1", progress=False)
    assert (first.added, first.updated, first.unchanged, first.deleted) == (5, 0, 0, 0)
    assert _count("kb", "t1") == first.chunks

    again = ingest_paths([kb], collection="kb", tenant="t1", progress=False)
    assert (again.added, again.updated, again.unchanged, again.deleted, again.chunks) == (0, 0, 5, 0, 0)

    (kb / "payouts.txt").write_text(
        "Payout schedule\n\nPayouts now arrive hourly via quibbleflux transfers.\n"
    )
    (kb / "chargebacks.md").unlink()
    third = ingest_paths([kb], collection="kb", tenant="t1", progress=False)
    assert (third.added, third.updated, third.unchanged, third.deleted) == (0, 1, 3, 1)

    sources = {h.source for h in search("chargeback dispute evidence", collection="kb", tenant="t1", k=20)}
    assert "chargebacks.md" not in sources
    top = search("quibbleflux", collection="kb", tenant="t1", k=1, mode="sparse")
    assert top and top[0].source == "payouts.txt" and "hourly" in top[0].text
    old = search("rolling basis risk review", collection="kb", tenant="t1", k=20, mode="sparse")
    assert all("rolling basis" not in h.text for h in old)
    assert _count("kb", "t1") == first.chunks - 2 + 0  # chargebacks (2 chunks) gone, payouts still 1


def test_tenants_are_isolated(kb: Path) -> None:
    ingest_paths([kb], collection="kb", tenant="alice", progress=False)
    ingest_paths([kb / "webhooks.md"], collection="kb", tenant="bob", progress=False)
    bob = search("refund within 120 days", collection="kb", tenant="bob", k=10)
    assert bob and {h.source for h in bob} == {"webhooks.md"}
    alice = search("refund within 120 days", collection="kb", tenant="alice", k=3)
    assert alice[0].source == "refunds.md"
    assert search("refund", collection="kb", tenant="carol", k=5) == []


def test_exact_keyword_finds_its_doc_in_sparse_mode(kb: Path) -> None:
    ingest_paths([kb], collection="kb", tenant="t", progress=False)
    hits = search("zorblax", collection="kb", tenant="t", k=3, mode="sparse")
    assert hits[0].source == "webhooks.md" and "zorblax" in hits[0].text.lower()
    assert hits[0].heading.endswith("Zorblax identifiers")


QUERIES = [
    ("how long do I have to give money back to a buyer", "refunds.md"),
    ("customer's bank reversed a card payment", "chargebacks.md"),
    ("when do I receive my funds", "payouts.txt"),
    ("limit what a key can access", "api-keys.html"),
    ("verify the signature header of event notifications", "webhooks.md"),
    ("zorblax", "webhooks.md"),
    ("75 days issuing bank outcome", "chargebacks.md"),
    ("rk_live key export", "api-keys.html"),
]


def _scores(mode: str) -> tuple[float, float]:
    """(hit@3, MRR@5) of the expected source over QUERIES."""
    hit3 = mrr = 0.0
    for q, source in QUERIES:
        hits = search(q, collection="kb", tenant="t", k=5, mode=mode)
        ranks = [i for i, h in enumerate(hits, start=1) if h.source == source]
        hit3 += 1.0 if ranks and ranks[0] <= 3 else 0.0
        mrr += 1 / ranks[0] if ranks else 0.0
    return hit3 / len(QUERIES), mrr / len(QUERIES)


def test_hybrid_is_at_least_as_good_as_each_single_mode(kb: Path) -> None:
    ingest_paths([kb], collection="kb", tenant="t", progress=False)
    dense, sparse, hybrid = _scores("dense"), _scores("sparse"), _scores("hybrid")
    # hit@3: hybrid never loses a document either single mode finds. (MRR can dip below
    # dense on 5 documents: RRF ties between a dense-1st/sparse-3rd and a dense-2nd/sparse-1st.)
    assert hybrid[0] >= dense[0] and hybrid[0] >= sparse[0], (dense, sparse, hybrid)
    assert hybrid[1] > sparse[1] and hybrid[1] > 0.8


def test_bad_queries_and_collections_are_user_errors(kb: Path) -> None:
    ingest_paths([kb / "refunds.md"], collection="kb", tenant="t", progress=False)
    with pytest.raises(UserInputError, match="empty query"):
        search("   ", collection="kb", tenant="t")
    with pytest.raises(UserInputError, match="'nope'"):
        search("refund", collection="nope", tenant="t")
    with pytest.raises(UserInputError, match="unknown mode"):
        search("refund", collection="kb", tenant="t", mode="fuzzy")
    hit = search("refund", collection="kb", tenant="t", k=1)[0]
    assert hit.url == "https://help.example.com/refunds" and hit.title == "Refund policy"


@pytest.mark.parametrize("backend", ["local", "edge"])
def test_locked_local_folder_is_a_clear_user_error(backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from deskpilot.settings import get_settings

    monkeypatch.setenv("DESKPILOT_INDEX_BACKEND", backend)
    get_settings.cache_clear()
    index.get_client()  # holds the lock on the local folder
    with pytest.raises(UserInputError, match="in use by another process"):
        index._open("second")


def test_a_passage_repeated_in_two_guides_is_one_hit_citing_both(kb: Path) -> None:
    shared = (kb / "refunds.md").read_text(encoding="utf-8")
    (kb / "refunds-copy.md").write_text(shared.replace("# ", "# Copy of ", 1), encoding="utf-8")
    ingest_paths([kb], collection="kb", tenant="t", progress=False)
    hits = search("refund within 120 days", collection="kb", tenant="t", k=5)
    refund_hits = [h for h in hits if h.source in {"refunds.md", "refunds-copy.md"}]
    assert len(refund_hits) == len({h.text for h in refund_hits})  # no passage shown twice
    top = hits[0]
    assert top.source in {"refunds.md", "refunds-copy.md"}
    assert set(top.also_in) == {"refunds.md", "refunds-copy.md"} - {top.source}
    raw = search("refund within 120 days", collection="kb", tenant="t", k=5, dedupe=2.0)
    assert {raw[0].source, raw[1].source} == {"refunds.md", "refunds-copy.md"} and not raw[0].also_in


def test_misspelt_query_words_are_corrected_against_the_tenants_vocabulary(kb: Path) -> None:
    ingest_paths([kb], collection="kb", tenant="t", progress=False)
    typo = "zorbalx"  # transposed 'zorblax', a word only webhooks.md uses
    assert search(typo, collection="kb", tenant="t", k=3, mode="sparse", spelling=False) == []
    fixed = search(typo, collection="kb", tenant="t", k=3, mode="sparse")
    assert fixed and fixed[0].source == "webhooks.md"
    # the vocabulary follows the collection: a word ingested later is found misspelt too
    assert search("quibbelflux", collection="kb", tenant="t", k=3, mode="sparse") == []
    # an edit that keeps the number of chunks (one before, one after): the count alone would miss it
    (kb / "payouts.txt").write_text(
        "Payout schedule\n\nPayouts now arrive hourly via quibbleflux transfers.\n"
    )
    chunks, before = _count("kb", "t"), index.content_version("kb", "t")
    ingest_paths([kb], collection="kb", tenant="t", progress=False)
    assert _count("kb", "t") == chunks and index.content_version("kb", "t") != before
    later = search("quibbelflux", collection="kb", tenant="t", k=3, mode="sparse")
    assert later and later[0].source == "payouts.txt"
    # another tenant's vocabulary is its own
    from retrieval.spelling import collection_speller

    ingest_paths([kb / "refunds.md"], collection="kb", tenant="other", progress=False)
    assert collection_speller("kb", "t").correct(typo) == "zorblax"
    assert collection_speller("kb", "other").correct(typo) == typo


def test_another_process_ingest_is_seen_after_the_version_ttl(
    kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qdrant_client import models

    ingest_paths([kb], collection="kb", tenant="t", progress=False)
    first = index.content_version("kb", "t")
    # what another process's ingest writes into a shared index: a document's manifest entry
    # (chunk 0) with a new content hash; this process's write generation does not move
    client = index.get_client()
    pid = index.point_id("t", str(kb.resolve()), "payouts.txt", 0)
    (point,) = client.retrieve("kb", ids=[pid], with_payload=True, with_vectors=True)
    payload = {**(point.payload or {}), "doc_hash": "changed-elsewhere"}
    vector = {
        name: models.SparseVector(indices=list(v.indices), values=list(v.values))
        if hasattr(v, "indices")
        else list(v)
        for name, v in point.vector.items()
    }
    client.upsert("kb", points=[models.PointStruct(id=pid, vector=vector, payload=payload)], wait=True)
    assert index.content_version("kb", "t") == first  # cached within the TTL
    monkeypatch.setattr(index, "VERSION_TTL_S", 0.0)
    assert index.content_version("kb", "t") != first


def test_collection_cache_builds_each_key_once_and_drops_the_least_recent(kb: Path) -> None:
    import threading

    from retrieval.collection_cache import CollectionCache

    for tenant in ("a", "b", "c"):
        ingest_paths([kb / "refunds.md"], collection="kb", tenant=tenant, progress=False)
    builds: list[str] = []

    def build(collection: str, tenant: str) -> str:
        builds.append(tenant)
        return f"{collection}/{tenant}"

    cache: CollectionCache[str] = CollectionCache(build, max_entries=2)
    threads = [threading.Thread(target=cache.get, args=("kb", "a")) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert builds == ["a"]  # six concurrent callers, one build
    assert cache.get("kb", "b") == "kb/b" and cache.get("kb", "a") == "kb/a"  # a is now most recent
    cache.get("kb", "c")  # evicts b, the least recently used
    cache.get("kb", "a")
    cache.get("kb", "b")
    assert builds == ["a", "b", "c", "b"]
    ingest_paths([kb / "webhooks.md"], collection="kb", tenant="a", progress=False)  # a changes
    assert cache.get("kb", "a") == "kb/a" and builds[-1] == "a"


def test_each_point_holds_the_vector_of_its_own_chunk(kb: Path) -> None:
    import numpy as np

    from retrieval.chunking import embed_text
    from retrieval.embedder import get_embedder

    ingest_paths([kb], collection="kb", tenant="t", progress=False)  # embedded longest first
    points, _ = index.get_client().scroll(
        "kb", scroll_filter=index.tenant_filter("t"), limit=100, with_payload=True, with_vectors=True
    )
    assert len(points) >= 5
    texts = [embed_text(p.payload["title"], p.payload["heading"], p.payload["text"]) for p in points]
    want = get_embedder().embed(texts)
    got = np.asarray([p.vector[index.DENSE] for p in points], dtype=np.float32)
    np.testing.assert_allclose((got * want).sum(axis=1), 1.0, atol=1e-4)
