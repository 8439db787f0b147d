"""The Qdrant side: one client per storage location per process, collection schema, ids.

``settings.qdrant_url`` (+ API key) selects a Qdrant server through qdrant-client. Without it the
index is embedded: by default a Qdrant Edge shard per collection (``settings.edge_path``, HNSW;
:mod:`retrieval.edge`), or qdrant-client's local mode (``settings.qdrant_path``, brute force) with
``index_backend="local"``. A collection is one knowledge base: a named dense vector ``dense``
(cosine) and a sparse vector ``bm25`` with the IDF modifier. Every point carries the
tenant, and every query filters on it.
"""

from __future__ import annotations

import atexit
import re
import threading
import uuid
from collections.abc import Iterator
from typing import Any

from deskpilot.exceptions import ConfigError, UserInputError
from deskpilot.settings import infrastructure

DENSE = "dense"
SPARSE = "bm25"
BACKENDS = ("edge", "local")  # embedded index without a server: Qdrant Edge | qdrant-client local mode
_NAMESPACE = uuid.UUID("6f1c1b1e-5d0e-4f5c-9a57-2f4e8d1c0a11")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_clients: dict[str, Any] = {}
_generations: dict[str, int] = {}  # ingests finished by this process, per collection
_versions: dict[tuple[str, str], tuple[float, tuple[int, str]]] = {}  # (checked at, version)
VERSION_TTL_S = 30.0
_lock = threading.Lock()


def point_id(tenant: str, root: str, source: str, chunk_index: int) -> str:
    """Deterministic id: re-ingesting the same chunk overwrites the same point."""
    return str(uuid.uuid5(_NAMESPACE, f"{tenant}\x1f{root}\x1f{source}\x1f{chunk_index}"))


def validate_name(kind: str, value: str) -> str:
    if not _NAME.match(value):
        raise UserInputError(f"invalid {kind} name {value!r}: use letters, digits, '_', '-', '.'")
    return value


def _location_key() -> str:
    s = infrastructure()
    if s.qdrant_url:
        return f"url:{s.qdrant_url}"
    if s.index_backend == "edge":
        return f"edge:{s.edge_path.resolve()}"
    return f"path:{s.qdrant_path.resolve()}"


def get_client() -> Any:
    """The process-wide ``QdrantClient`` for the configured location."""
    key = _location_key()
    with _lock:
        client = _clients.get(key)
        if client is None:
            if not _clients:
                atexit.register(close_clients)
            client = _clients[key] = _open(key)
        return client


def _open(key: str) -> Any:
    from qdrant_client import QdrantClient

    s = infrastructure()
    if s.qdrant_url:
        api_key = s.qdrant_api_key.get_secret_value() if s.qdrant_api_key else None
        return QdrantClient(url=s.qdrant_url, api_key=api_key, timeout=30)
    if s.index_backend not in BACKENDS:
        raise ConfigError(f"unknown index backend {s.index_backend!r}; choose one of {', '.join(BACKENDS)}")
    if s.index_backend == "edge":
        from retrieval.edge import EdgeClient

        return EdgeClient(s.edge_path)
    path = s.qdrant_path
    path.mkdir(parents=True, exist_ok=True)
    try:
        return QdrantClient(path=str(path))
    except RuntimeError as exc:
        if "already accessed" in str(exc):
            raise UserInputError(
                f"the local index at {path} is in use by another process; stop it, or run a Qdrant "
                "server and set DESKPILOT_QDRANT_URL so several processes can share the index"
            ) from exc
        raise


def close_clients() -> None:
    """Close every open client (tests, shutdown)."""
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
        _versions.clear()


def finish_writes(collection: str) -> None:
    """After a batch of writes: Edge builds its HNSW/payload indexes; qdrant-client needs nothing.
    Also bumps the collection's write generation (see :func:`content_version`)."""
    with _lock:
        _generations[collection] = _generations.get(collection, 0) + 1
    client = get_client()
    if hasattr(client, "optimize"):
        client.optimize(collection)


def is_local(client: Any) -> bool:
    from qdrant_client.local.qdrant_local import QdrantLocal

    return isinstance(getattr(client, "_client", None), QdrantLocal)


def collection_exists(name: str) -> bool:
    return bool(get_client().collection_exists(name))


def stored_on_disk(name: str, backend: str) -> bool:
    """Whether embedded ``backend`` holds collection ``name``, looked up without opening (and
    so locking) the store, which another process such as a worker may hold."""
    s = infrastructure()
    if backend == "edge":
        from retrieval.edge import collection_marker

        return collection_marker(s.edge_path, name).is_file()
    return (s.qdrant_path / "collection" / name).is_dir()


def require_collection(name: str) -> None:
    if not collection_exists(name):
        s = infrastructure()
        hint = ""
        if not s.qdrant_url and s.index_backend == "edge" and stored_on_disk(name, "local"):
            hint = (
                f" (a qdrant-client local-mode index of it exists in {s.qdrant_path}: set "
                "DESKPILOT_INDEX_BACKEND=local to use it, or ingest again)"
            )
        raise UserInputError(f"unknown collection {name!r}: ingest documents into it first{hint}")


def ensure_collection(name: str, dim: int) -> None:
    from qdrant_client import models

    validate_name("collection", name)
    client = get_client()
    if client.collection_exists(name):
        info = client.get_collection(name)
        vectors = info.config.params.vectors
        size = vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None
        if size != dim:
            raise ConfigError(f"collection {name!r} has dense size {size}, the embedder makes {dim}")
        return
    client.create_collection(
        name,
        vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
        sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    if not is_local(client):  # local mode has no payload indexes (and warns about them)
        for field in ("tenant", "root", "source"):
            client.create_payload_index(name, field, models.PayloadSchemaType.KEYWORD)
        client.create_payload_index(name, "chunk_index", models.PayloadSchemaType.INTEGER)


def tenant_filter(tenant: str, **match: Any) -> Any:
    from qdrant_client import models

    must = [models.FieldCondition(key="tenant", match=models.MatchValue(value=tenant))]
    for key, value in match.items():
        must.append(models.FieldCondition(key=key, match=models.MatchValue(value=value)))
    return models.Filter(must=must)  # type: ignore[arg-type]


def content_version(collection: str, tenant: str) -> tuple[int, str]:
    """A cache key for statistics over a tenant's chunks (vocabulary, document frequencies):
    (ingests this process finished into the collection, a digest of the tenant's document
    manifest — every document's source and content hash). An ingest by this process shows at
    once; one by another process (the CLI beside ``serve``) within ``VERSION_TTL_S``."""
    import hashlib
    import time

    key = (collection, tenant)
    now = time.monotonic()
    with _lock:
        generation = _generations.get(collection, 0)
        cached = _versions.get(key)
    if cached and cached[1][0] == generation and now - cached[0] < VERSION_TTL_S:
        return cached[1]
    entries = [
        f"{pl.get('root')}|{pl.get('source')}|{pl.get('doc_hash')}"
        for pl in scroll_payloads(
            collection, tenant_filter(tenant, chunk_index=0), ["root", "source", "doc_hash"]
        )
    ]
    digest = hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()[:16]
    version = (generation, digest)
    with _lock:
        _versions[key] = (now, version)
    return version


def scroll_payloads(
    collection: str, flt: Any, fields: list[str], *, page: int = 512
) -> Iterator[dict[str, Any]]:
    """The ``fields`` payload of every point matching ``flt``, page by page."""
    client = get_client()
    offset = None
    while True:
        points, offset = client.scroll(
            collection, scroll_filter=flt, with_payload=fields, limit=page, offset=offset
        )
        for p in points:
            yield p.payload or {}
        if offset is None:
            break


def iter_texts(collection: str, tenant: str, fields: tuple[str, ...] = ("text",)) -> Iterator[str]:
    """Every point's ``fields`` payload of one tenant, joined by newlines, page by page."""
    for payload in scroll_payloads(collection, tenant_filter(tenant), list(fields)):
        yield "\n".join(str(payload.get(f) or "") for f in fields)
