"""``search()``: dense, sparse (BM25) or hybrid retrieval, always filtered by tenant.

The query's misspelt words are first corrected against the tenant's own vocabulary
(:mod:`retrieval.spelling`; ``settings.retrieval_spelling``). Hybrid is one Query API call:
a dense and a BM25 ``Prefetch`` (``prefetch`` candidates each) fused by (weighted)
reciprocal-rank fusion inside the engine (qdrant-client local mode, a Qdrant server, or the
embedded Edge shard), then the configured rerank stage. Every mode then folds
near-duplicate passages (the same section repeated in several guides) into one hit that cites
them all (:mod:`retrieval.dedupe`; ``settings.retrieval_dedupe``, > 1 turns it off). (Widening
hits with their neighbouring chunks was measured on the tuning split and did not help, so it
is not kept.)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from deskpilot.exceptions import UserInputError
from deskpilot.runconfig import RunConfig
from deskpilot.settings import infrastructure
from retrieval import index
from retrieval.dedupe import CANDIDATES, collapse
from retrieval.embedder import get_embedder
from retrieval.models import SearchHit
from retrieval.rerank import Reranker, get_reranker
from retrieval.sparse import query_vector
from retrieval.spelling import collection_speller

MODES = ("hybrid", "dense", "sparse")
RETRIEVAL_FIELDS = ("retrieval_rerank", "retrieval_dedupe", "retrieval_spelling")
_DEFAULTS = {name: RunConfig.model_fields[name].default for name in RETRIEVAL_FIELDS}
MAX_QUERY_CHARS = 2000
TIE_SLACK = 5  # extra fused candidates, so that points tied at the cut are all seen and ordered


class HybridParams(BaseModel):
    """Fusion knobs; the defaults are what the tuning split of ``bench/retrieval.py`` kept."""

    prefetch: int = Field(default=40, ge=1, description="candidates per single mode before fusion")
    rrf_k: int = Field(default=60, ge=1)
    dense_weight: float = Field(default=1.0, ge=0)
    sparse_weight: float = Field(default=1.0, ge=0)


DEFAULT_PARAMS = HybridParams()


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


def _query(collection: str, vector: Any, using: str, flt: Any, limit: int) -> list[Any]:
    res = index.get_client().query_points(
        collection, query=vector, using=using, query_filter=flt, limit=limit, with_payload=True
    )
    return list(res.points)


def search(
    query: str,
    *,
    collection: str | None = None,
    tenant: str | None = None,
    k: int = 10,
    mode: str = "hybrid",
    reranker: Reranker | str | None = None,
    params: HybridParams | None = None,
    dedupe: float | None = None,
    spelling: bool | None = None,
) -> list[SearchHit]:
    """Best-first hits for ``query``. ``reranker``, ``dedupe`` (near-duplicate threshold) and
    ``spelling`` come from the caller's run configuration (``RunConfig.retrieval_rerank`` /
    ``_dedupe`` / ``_spelling``); None means that field's default. Only where the index lives and
    the default collection/tenant come from the process's infrastructure settings."""
    query = (query or "").strip()
    if not query:
        raise UserInputError("empty query")
    query = query[:MAX_QUERY_CHARS]
    if mode not in MODES:
        raise UserInputError(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    if k < 1:
        raise UserInputError("k must be at least 1")
    settings = infrastructure()
    params = params or DEFAULT_PARAMS
    collection = collection or settings.collection
    tenant = tenant or settings.tenant
    index.require_collection(collection)
    flt = index.tenant_filter(tenant)
    if _DEFAULTS["retrieval_spelling"] if spelling is None else spelling:
        query = collection_speller(collection, tenant).correct(query)
    threshold = float(_DEFAULTS["retrieval_dedupe"] if dedupe is None else dedupe)
    n = max(k, CANDIDATES) if threshold <= 1 else k  # enough candidates for k distinct passages

    if mode == "sparse":
        sparse = _sparse(query)
        hits = [_hit(p) for p in _query(collection, sparse, index.SPARSE, flt, n)] if sparse.indices else []
        hits = ordered(hits)
    else:
        qvec = get_embedder().embed([query])[0]
        if mode == "dense":
            hits = ordered([_hit(p) for p in _query(collection, qvec.tolist(), index.DENSE, flt, n)])
        else:  # ordered there
            hits = _hybrid(
                query, qvec, collection, flt, n, params, reranker, str(_DEFAULTS["retrieval_rerank"])
            )
    return collapse(hits, threshold)[:k]


def _rank(hit: SearchHit) -> tuple[float, str, int, str]:
    return (-round(hit.score, 9), hit.source, hit.chunk_index, hit.id)


def ordered(hits: list[SearchHit]) -> list[SearchHit]:
    """Best first, ties broken by source and chunk: fused RRF scores tie whenever two chunks
    swap their dense and sparse ranks, and the engine returns tied points in no fixed order
    (the same question got a different lead from run to run)."""
    return sorted(hits, key=_rank)


def _hybrid(
    query: str,
    qvec: np.ndarray,
    collection: str,
    flt: Any,
    k: int,
    params: HybridParams,
    reranker: Reranker | str | None,
    default_rerank: str,
) -> list[SearchHit]:
    """Query API: a dense and a sparse ``Prefetch`` fused by (weighted) RRF in the engine."""
    from qdrant_client import models

    rr = get_reranker(reranker if reranker is not None else default_rerank)
    limit = max(k, rr.candidates) + TIE_SLACK
    # 45 per search by default (bench/retrieval.py re-run with the slack: same hit@k)
    prefetch_n = max(params.prefetch, limit)
    prefetch = [models.Prefetch(query=qvec.tolist(), using=index.DENSE, filter=flt, limit=prefetch_n)]
    weights = [params.dense_weight]
    sparse = _sparse(query)
    if sparse.indices:
        prefetch.append(models.Prefetch(query=sparse, using=index.SPARSE, filter=flt, limit=prefetch_n))
        weights.append(params.sparse_weight)
    equal = len(set(weights)) == 1
    res = index.get_client().query_points(
        collection,
        prefetch=prefetch,
        query=models.RrfQuery(rrf=models.Rrf(k=params.rrf_k, weights=None if equal else weights)),
        query_filter=flt,
        limit=limit,
        with_payload=True,
        with_vectors=[index.DENSE] if rr.needs_vectors else False,
    )
    # a reranker's input in one order too, each point's vector row with its hit
    pairs = sorted(((_hit(p), p) for p in res.points), key=lambda hp: _rank(hp[0]))
    hits = [h for h, _ in pairs]
    vectors = None
    if rr.needs_vectors:
        rows = [p.vector[index.DENSE] for _, p in pairs]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(hits), -1)
    return ordered(rr.rerank(query, qvec, hits, vectors))[:k]
