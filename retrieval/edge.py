"""An embedded HNSW index on ``qdrant-edge-py`` behind the qdrant-client methods we use.

``settings.index_backend == "edge"`` makes :func:`retrieval.index.get_client` return an
:class:`EdgeClient`: one Edge shard per collection under ``<data_dir>/edge/<collection>``.
It accepts the ``qdrant_client.models`` objects the rest of the package builds (filters with
``MatchValue``/``Range`` conditions, ``PointStruct``, ``SparseVector``, ``FilterSelector``)
and returns objects with the attributes callers read (``.points``, ``.count``, ``.id``,
``.score``, ``.payload``, ``.vector``). Unlike local mode it builds real HNSW and payload
indexes (``optimize()``), so filtered search stays fast at 100k+ chunks.
"""

from __future__ import annotations

import fcntl
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from deskpilot.exceptions import UserInputError

_DIMS = "deskpilot_dims.txt"  # written last by create_collection: the collection exists
_INDEXED = {"tenant": "keyword", "root": "keyword", "source": "keyword", "chunk_index": "integer"}


def collection_marker(base: Path, name: str) -> Path:
    """The file whose presence means collection ``name`` exists under ``base``."""
    return base / name / _DIMS


def _edge() -> Any:
    try:
        import qdrant_edge
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise UserInputError("index backend 'edge' needs the qdrant-edge-py package") from exc
    return qdrant_edge


def _condition(cond: Any) -> Any:
    """One qdrant-client condition as an Edge one; anything else is refused, never dropped
    (a silently widened filter could cross tenants)."""
    e = _edge()
    if hasattr(cond, "must") and hasattr(cond, "must_not"):  # a nested Filter
        return convert_filter(cond)
    match, rng = getattr(cond, "match", None), getattr(cond, "range", None)
    if match is not None and type(match).__name__ == "MatchValue":
        return e.FieldCondition(key=cond.key, match=e.MatchValue(match.value))
    if rng is not None and type(rng).__name__ == "Range":
        return e.FieldCondition(
            key=cond.key, range=e.RangeFloat(gte=rng.gte, gt=rng.gt, lte=rng.lte, lt=rng.lt)
        )
    raise UserInputError(f"edge backend: unsupported filter condition {cond!r}")


def convert_filter(flt: Any) -> Any:
    if flt is None:
        return None
    if getattr(flt, "min_should", None) is not None:
        raise UserInputError("edge backend: min_should filters are not supported")
    e = _edge()
    parts = {}
    for name in ("must", "should", "must_not"):
        conds = getattr(flt, name, None)
        if conds:
            parts[name] = [_condition(c) for c in conds]
    return e.Filter(**parts)


def _vector(v: Any) -> Any:
    if hasattr(v, "indices"):
        return _edge().SparseVector(indices=list(v.indices), values=list(v.values))
    return [float(x) for x in v]


class EdgeClient:
    """The subset of ``QdrantClient`` used by retrieval, agent and health, on Edge shards."""

    def __init__(self, base: Path, *, search_threads: int | None = None) -> None:
        self.base = base
        self.search_threads = search_threads
        self._shards: dict[str, Any] = {}
        self._lock = threading.RLock()
        self._closed = False
        base.mkdir(parents=True, exist_ok=True)
        # one process at a time, like qdrant-client's local mode: a second writer would corrupt it
        self._lockfile = (base / ".lock").open("a")
        try:
            fcntl.flock(self._lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lockfile.close()
            raise UserInputError(
                f"the local index at {base} is in use by another process; stop it, or run a Qdrant "
                "server and set DESKPILOT_QDRANT_URL so several processes can share the index"
            ) from None

    def _shard(self, name: str) -> Any:
        with self._lock:
            if self._closed:
                raise RuntimeError("the Edge index client is closed")
            shard = self._shards.get(name)
            if shard is None:
                if not collection_marker(self.base, name).is_file():
                    raise UserInputError(f"unknown collection {name!r}: ingest documents into it first")
                shard = self._shards[name] = _edge().EdgeShard.load(str(self.base / name))
            return shard

    # collections -------------------------------------------------------------------------
    def collection_exists(self, name: str) -> bool:
        return name in self._shards or collection_marker(self.base, name).is_file()

    def get_collection(self, name: str) -> Any:
        text = collection_marker(self.base, name).read_text()
        vectors = {k: SimpleNamespace(size=int(v)) for k, v in (part.split("=") for part in text.split())}
        return SimpleNamespace(config=SimpleNamespace(params=SimpleNamespace(vectors=vectors)))

    def create_collection(self, name: str, vectors_config: Any, sparse_vectors_config: Any = None) -> None:
        e = _edge()
        dense = {
            k: e.EdgeVectorParams(size=v.size, distance=e.Distance.Cosine) for k, v in vectors_config.items()
        }
        sparse = {k: e.EdgeSparseVectorParams(modifier=e.Modifier.Idf) for k in (sparse_vectors_config or {})}
        config = e.EdgeConfig(vectors=dense, sparse_vectors=sparse, max_search_threads=self.search_threads)
        path = self.base / name
        with self._lock:
            if path.exists():  # a create that died before its marker: start it again
                shutil.rmtree(path)
            shard = e.EdgeShard.create(str(path), config)
            for field, kind in _INDEXED.items():
                schema = e.PayloadSchemaType.Keyword if kind == "keyword" else e.PayloadSchemaType.Integer
                shard.update(e.UpdateOperation.create_field_index(field, schema))
            shard.flush()
            # the marker goes last: only a complete collection exists
            collection_marker(self.base, name).write_text(
                " ".join(f"{k}={v.size}" for k, v in vectors_config.items())
            )
            self._shards[name] = shard

    def create_payload_index(self, name: str, field: str, schema: Any) -> None:
        """Done by :meth:`create_collection` already."""

    def delete_collection(self, name: str) -> None:
        with self._lock:
            shard = self._shards.pop(name, None)
            if shard is not None:
                shard.close()
            shutil.rmtree(self.base / name, ignore_errors=True)

    # writes ------------------------------------------------------------------------------
    def upsert(self, name: str, points: list[Any], wait: bool = True) -> None:
        e = _edge()
        converted = [
            e.Point(
                id=p.id if isinstance(p.id, int) else str(p.id),
                vector={k: _vector(v) for k, v in p.vector.items()},
                payload=p.payload,
            )
            for p in points
        ]
        self._shard(name).update(e.UpdateOperation.upsert_points(converted))

    def delete(self, name: str, points_selector: Any, wait: bool = True) -> None:
        e = _edge()
        op = e.UpdateOperation.delete_points_by_filter(convert_filter(points_selector.filter))
        self._shard(name).update(op)

    def optimize(self, name: str) -> None:
        """Build HNSW / payload indexes for what was written, and flush."""
        shard = self._shard(name)
        shard.optimize()
        shard.flush()

    # reads -------------------------------------------------------------------------------
    def count(self, name: str, count_filter: Any = None, exact: bool = True) -> Any:
        n = self._shard(name).count(_edge().CountRequest(exact=exact, filter=convert_filter(count_filter)))
        return SimpleNamespace(count=int(n))

    def scroll(
        self,
        name: str,
        scroll_filter: Any = None,
        limit: int = 10,
        offset: Any = None,
        with_payload: Any = True,
        with_vectors: Any = False,
    ) -> tuple[list[Any], Any]:
        req = _edge().ScrollRequest(
            offset=offset,
            limit=limit,
            filter=convert_filter(scroll_filter),
            with_payload=with_payload,
            with_vector=with_vectors,
        )
        return self._shard(name).scroll(req)

    def retrieve(
        self, name: str, ids: list[Any], with_payload: Any = True, with_vectors: Any = False
    ) -> list[Any]:
        if not ids:
            return []
        return self._shard(name).retrieve(
            [i if isinstance(i, int) else str(i) for i in ids],
            with_payload=with_payload,
            with_vector=with_vectors,
        )

    def query_points(
        self,
        name: str,
        query: Any = None,
        using: str | None = None,
        prefetch: list[Any] | None = None,
        query_filter: Any = None,
        limit: int = 10,
        with_payload: Any = True,
        with_vectors: Any = False,
    ) -> Any:
        """A nearest-neighbour query, or ``prefetch`` stages fused by ``RrfQuery`` (Query API)."""
        e = _edge()
        if prefetch:
            rrf = getattr(query, "rrf", None)
            if rrf is None:
                raise UserInputError("edge backend: prefetch needs an RrfQuery to fuse them")
            stages = [
                e.Prefetch(
                    limit=p.limit,
                    query=e.Query.Nearest(_vector(p.query), using=p.using),
                    filter=convert_filter(p.filter),
                )
                for p in prefetch
            ]
            fused = e.Fusion.Rrf(
                k=rrf.k if rrf.k is not None else 2, weights=rrf.weights
            )  # qdrant's default k
            req = e.QueryRequest(
                limit=limit,
                query=fused,
                prefetches=stages,
                filter=convert_filter(query_filter),
                with_payload=with_payload,
                with_vector=with_vectors,
            )
        else:
            req = e.QueryRequest(
                limit=limit,
                query=e.Query.Nearest(_vector(query), using=using),
                filter=convert_filter(query_filter),
                with_payload=with_payload,
                with_vector=with_vectors,
            )
        return SimpleNamespace(points=self._shard(name).query(req))

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                for shard in self._shards.values():
                    try:
                        shard.flush()
                    finally:
                        shard.close()
            finally:
                self._shards.clear()
                fcntl.flock(self._lockfile, fcntl.LOCK_UN)
                self._lockfile.close()
