"""The Edge adapter on a real Qdrant Edge shard (no embedder: hand-made vectors)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from qdrant_client import models

from deskpilot.exceptions import UserInputError
from retrieval.edge import EdgeClient, collection_marker

DENSE = {"dense": models.VectorParams(size=3, distance=models.Distance.COSINE)}
SPARSE = {"bm25": models.SparseVectorParams(modifier=models.Modifier.IDF)}


def _point(i: int, tenant: str, vec: list[float], terms: list[int]) -> models.PointStruct:
    return models.PointStruct(
        id=i,
        vector={"dense": vec, "bm25": models.SparseVector(indices=terms, values=[1.0] * len(terms))},
        payload={"tenant": tenant, "source": f"d{i}.md", "chunk_index": i},
    )


def _tenant(t: str) -> models.Filter:
    return models.Filter(must=[models.FieldCondition(key="tenant", match=models.MatchValue(value=t))])


@pytest.fixture
def client(tmp_path: Path) -> Iterator[EdgeClient]:
    c = EdgeClient(tmp_path / "edge")
    c.create_collection("kb", DENSE, SPARSE)
    c.upsert(
        "kb",
        [
            _point(1, "a", [1, 0, 0], [7]),
            _point(2, "a", [0, 1, 0], [8]),
            _point(3, "b", [1, 0, 0], [7]),
        ],
    )
    c.optimize("kb")
    yield c
    c.close()


def test_hybrid_prefetch_rrf_is_tenant_filtered(client: EdgeClient) -> None:
    flt = _tenant("a")
    res = client.query_points(
        "kb",
        prefetch=[
            models.Prefetch(query=[1, 0, 0], using="dense", filter=flt, limit=10),
            models.Prefetch(
                query=models.SparseVector(indices=[7], values=[1.0]), using="bm25", filter=flt, limit=10
            ),
        ],
        query=models.RrfQuery(rrf=models.Rrf(k=60)),
        query_filter=flt,
        limit=5,
    )
    ids = [int(p.id) for p in res.points]
    assert ids[0] == 1 and 3 not in ids  # best on both lists first; tenant b never appears
    assert client.count("kb", count_filter=_tenant("b")).count == 1


def test_unsupported_filters_are_refused_not_dropped(client: EdgeClient) -> None:
    any_of = models.Filter(must=[models.FieldCondition(key="tenant", match=models.MatchAny(any=["a", "b"]))])
    with pytest.raises(UserInputError, match="unsupported filter"):
        client.count("kb", count_filter=any_of)
    min_should = models.Filter(
        min_should=models.MinShould(conditions=[_tenant("a").must[0]], min_count=1)  # type: ignore[index]
    )
    with pytest.raises(UserInputError, match="min_should"):
        client.count("kb", count_filter=min_should)


def test_half_created_collection_is_recreated_and_delete_by_filter(tmp_path: Path) -> None:
    base = tmp_path / "edge"
    c = EdgeClient(base)
    (base / "kb").mkdir()  # a create that died before writing its marker
    assert not c.collection_exists("kb")
    c.create_collection("kb", DENSE, SPARSE)
    assert collection_marker(base, "kb").is_file() and c.collection_exists("kb")
    c.upsert("kb", [_point(1, "a", [1, 0, 0], [7]), _point(2, "a", [0, 1, 0], [8])])
    gone = models.Filter(must=[models.FieldCondition(key="chunk_index", range=models.Range(gte=2))])
    c.delete("kb", points_selector=models.FilterSelector(filter=gone))
    assert c.count("kb").count == 1
    c.close()


def test_one_process_at_a_time_and_closed_client_refuses_work(tmp_path: Path) -> None:
    first = EdgeClient(tmp_path / "edge")
    with pytest.raises(UserInputError, match="in use by another process"):
        EdgeClient(tmp_path / "edge")
    first.close()
    first.close()  # idempotent
    with pytest.raises(RuntimeError, match="closed"):
        first.count("kb")
    second = EdgeClient(tmp_path / "edge")  # the lock was released
    assert not second.collection_exists("kb")
    second.close()
