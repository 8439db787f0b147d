"""``search()``: dense, sparse (BM25) or hybrid (Qdrant Query API prefetch + RRF) retrieval,
always filtered by tenant, followed by the configured rerank stage in hybrid mode."""

from __future__ import annotations

from typing import Any

import numpy as np

from deskpilot.exceptions import UserInputError
from deskpilot.settings import get_settings
from retrieval import index
from retrieval.embedder import get_embedder
from retrieval.models import SearchHit
from retrieval.rerank import Reranker, get_reranker
from retrieval.sparse import query_vector

MODES = ("hybrid", "dense", "sparse")
PREFETCH = 40  # candidates per single mode before fusion
RRF_K = 60
MAX_QUERY_CHARS = 2000


def _hit(point: Any) -> SearchHit:
    p = point.payload or {}
    return SearchHit(
        id=str(point.id),
        source=p.get("source", ""),
        title=p.get("title", ""),
        heading=p.get("heading", ""),
        text=p.get("text", ""),
        score=float(point.score),
        url=p.get("url"),
        chunk_index=int(p.get("chunk_index", 0)),
    )


def _sparse(query: str) -> Any:
    from qdrant_client import models

    sv = query_vector(query)
    return models.SparseVector(indices=sv.indices, values=sv.values)


def search(
    query: str,
    *,
    collection: str | None = None,
    tenant: str | None = None,
    k: int = 10,
    mode: str = "hybrid",
    reranker: Reranker | str | None = None,
) -> list[SearchHit]:
    """Best-first hits for ``query``. ``reranker`` overrides ``settings.retrieval_rerank``."""
    from qdrant_client import models

    query = (query or "").strip()
    if not query:
        raise UserInputError("empty query")
    query = query[:MAX_QUERY_CHARS]
    if mode not in MODES:
        raise UserInputError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    if k < 1:
        raise UserInputError("k must be at least 1")
    settings = get_settings()
    collection = collection or settings.collection
    tenant = tenant or settings.tenant
    index.require_collection(collection)
    client = index.get_client()
    flt = index.tenant_filter(tenant)

    qvec: np.ndarray | None = None
    if mode != "sparse":
        qvec = get_embedder().embed([query])[0]
    if mode == "dense":
        assert qvec is not None
        res = client.query_points(
            collection, query=qvec.tolist(), using=index.DENSE, query_filter=flt, limit=k, with_payload=True
        )
        return [_hit(p) for p in res.points]
    if mode == "sparse":
        sparse = _sparse(query)
        if not sparse.indices:
            return []
        res = client.query_points(
            collection, query=sparse, using=index.SPARSE, query_filter=flt, limit=k, with_payload=True
        )
        return [_hit(p) for p in res.points]

    assert qvec is not None
    rr = get_reranker(reranker if reranker is not None else settings.retrieval_rerank)
    limit = max(k, rr.candidates)
    prefetch = [
        models.Prefetch(query=qvec.tolist(), using=index.DENSE, filter=flt, limit=max(PREFETCH, limit)),
    ]
    sparse = _sparse(query)
    if sparse.indices:
        prefetch.append(
            models.Prefetch(query=sparse, using=index.SPARSE, filter=flt, limit=max(PREFETCH, limit))
        )
    res = client.query_points(
        collection,
        prefetch=prefetch,
        query=models.RrfQuery(rrf=models.Rrf(k=RRF_K)),
        query_filter=flt,
        limit=limit,
        with_payload=True,
        with_vectors=[index.DENSE] if rr.needs_vectors else False,
    )
    hits = [_hit(p) for p in res.points]
    vectors = None
    if rr.needs_vectors:
        vectors = np.asarray([p.vector[index.DENSE] for p in res.points], dtype=np.float32).reshape(
            len(hits), -1
        )
    return rr.rerank(query, qvec, hits, vectors)[:k]
