"""Incremental ingest: load → chunk → embed → upsert, per (collection, tenant, root).

Each document's stored hash covers its raw bytes and the pipeline (chunker version and
embedder name). Unchanged documents are skipped; changed ones are re-chunked and overwrite
their deterministic point ids, then surplus old chunks are deleted; documents that were
ingested earlier from the same root but are gone now are deleted. Chunk 0 of a document is
written last, so its hash (the manifest entry) only appears once the document is complete.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from deskpilot.settings import infrastructure
from retrieval import index
from retrieval.chunking import MAX_TOKENS, chunk_text, embed_text
from retrieval.embedder import get_embedder
from retrieval.loaders import load_paths
from retrieval.models import Chunk, Document, IngestSummary
from retrieval.sparse import doc_vector

log = logging.getLogger(__name__)
PIPELINE_VERSION = "chunk-v1"
EMBED_BATCH = 128


def stored_hash(doc: Document, embedder_name: str, chunk_tokens: int = 256) -> str:
    pipeline = f"{PIPELINE_VERSION}|{embedder_name}" + (f"|{chunk_tokens}" if chunk_tokens != 256 else "")
    return hashlib.sha256(f"{doc.doc_hash}|{pipeline}".encode()).hexdigest()


def manifest(collection: str, tenant: str, root: str) -> dict[str, str]:
    """``{source: stored hash}`` of the documents ingested from ``root``."""
    flt = index.tenant_filter(tenant, root=root, chunk_index=0)
    return {
        pl["source"]: pl["doc_hash"]
        for pl in index.scroll_payloads(collection, flt, ["source", "doc_hash"], page=1000)
    }


def _delete_source(collection: str, tenant: str, root: str, source: str, from_index: int = 0) -> None:
    from qdrant_client import models

    flt = index.tenant_filter(tenant, root=root, source=source)
    if from_index:
        flt.must.append(models.FieldCondition(key="chunk_index", range=models.Range(gte=from_index)))
    index.get_client().delete(collection, points_selector=models.FilterSelector(filter=flt), wait=True)


def _points(doc: Document, chunks: list[Chunk], vectors: Any, tenant: str, h: str) -> list[Any]:
    from qdrant_client import models

    points = []
    for chunk, vec in zip(chunks, vectors, strict=True):
        sparse = doc_vector(f"{doc.title} {chunk.heading} {chunk.text}")
        payload = {
            "tenant": tenant,
            "root": doc.root,
            "source": doc.source,
            "title": doc.title,
            "heading": chunk.heading,
            "url": doc.url,
            "doc_hash": h,
            "chunk_index": chunk.chunk_index,
            "text": chunk.text,
        }
        points.append(
            models.PointStruct(
                id=index.point_id(tenant, doc.root, doc.source, chunk.chunk_index),
                vector={
                    index.DENSE: vec.tolist(),
                    index.SPARSE: models.SparseVector(indices=sparse.indices, values=sparse.values),
                },
                payload=payload,
            )
        )
    return points


def ingest_paths(
    paths: Iterable[str | Path],
    *,
    collection: str | None = None,
    tenant: str | None = None,
    progress: bool = True,
) -> IngestSummary:
    from tqdm import tqdm

    start = time.perf_counter()
    settings = infrastructure()
    collection = index.validate_name("collection", collection or settings.collection)
    tenant = index.validate_name("tenant", tenant or settings.tenant)
    loaded = load_paths(paths)
    summary = IngestSummary(collection=collection, tenant=tenant, skipped=len(loaded.skipped))
    embedder = get_embedder()
    index.ensure_collection(collection, embedder.dim)

    todo: list[tuple[Document, str, bool]] = []  # (doc, stored hash, is_update)
    for root in loaded.roots:
        known = manifest(collection, tenant, str(root))
        present = {d.source for d in loaded.documents if d.root == str(root)}
        for source in sorted(set(known) - present):
            _delete_source(collection, tenant, str(root), source)
            summary.deleted += 1
        for doc in (d for d in loaded.documents if d.root == str(root)):
            h = stored_hash(doc, embedder.name, settings.retrieval_chunk_tokens)
            if known.get(doc.source) == h:
                summary.unchanged += 1
            else:
                todo.append((doc, h, doc.source in known))

    work: list[tuple[Document, str, bool, list[Chunk]]] = []
    for doc, h, is_update in todo:
        chunks = chunk_text(
            doc.text, title=doc.title, max_tokens=min(MAX_TOKENS, settings.retrieval_chunk_tokens)
        )
        if not chunks:
            log.warning("skipping %s: no text", doc.source)
            summary.skipped += 1
            continue
        work.append((doc, h, is_update, chunks))

    texts = [embed_text(d.title, c.heading, c.text) for d, _, _, cs in work for c in cs]
    # Embed longest first over the whole run, not per batch: a batch is padded to its longest
    # text, and RHDH's chunks run from ~90 to 256 word pieces. Padded word pieces fall from 337k
    # (128-chunk windows in document order) to 281k (274k real); measured 3-12% faster here.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]), reverse=True)
    vectors: list[Any] = [None] * len(texts)
    with tqdm(total=len(texts), desc="embedding", unit="chunk", disable=not progress or not texts) as bar:
        for i in range(0, len(order), EMBED_BATCH):
            idx = order[i : i + EMBED_BATCH]
            for j, vec in zip(idx, embedder.embed([texts[j] for j in idx]), strict=True):
                vectors[j] = vec
            bar.update(len(idx))

    client = index.get_client()
    pos = 0
    for doc, h, is_update, chunks in work:
        points = _points(doc, chunks, vectors[pos : pos + len(chunks)], tenant, h)
        pos += len(chunks)
        if len(points) > 1:
            client.upsert(collection, points=points[1:], wait=True)
        client.upsert(collection, points=points[:1], wait=True)  # manifest entry last
        if is_update:
            _delete_source(collection, tenant, doc.root, doc.source, from_index=len(chunks))
            summary.updated += 1
        else:
            summary.added += 1
        summary.chunks += len(chunks)
    if work or summary.deleted:
        index.finish_writes(collection)
    summary.seconds = time.perf_counter() - start
    return summary
