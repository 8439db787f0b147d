"""Retrieval benchmark on the rhdh docs and golden_dev.jsonl; writes bench/results/retrieval.json.

    .venv/bin/python bench/retrieval.py [--backends torch-int8,torch] [--index edge|local]
        [--skip-scale] [--scale-only] [--scale-n 100000]

For each embedding backend: ingest docs/ into a fresh index (wall time), then hit@1, hit@5,
MRR@10 for dense, sparse, hybrid and hybrid + every reranker, on the tuning and the held-out
split of golden_dev (split by context_group, seed 13), plus search p50/p95. Then search latency
at --scale-n synthetic chunks, on the embedded Qdrant Edge shard (HNSW) and in qdrant-client
local mode (brute force). Timings vary with other load on the 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "datasets" / "rhdh"
OUT = ROOT / "bench" / "results" / "retrieval.json"


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else 0.0


def run_quality(
    backend: str, items: list[dict[str, Any]], splits: dict[str, list[dict[str, Any]]], index_backend: str
) -> dict[str, Any]:
    from deskpilot.settings import get_settings
    from retrieval import embedder, index
    from retrieval.ingest import ingest_paths
    from retrieval.metrics import first_hit_rank, score_ranks
    from retrieval.rerank import RERANKERS
    from retrieval.search import search

    tmp = tempfile.mkdtemp(prefix="bench-retrieval-")
    os.environ["DESKPILOT_DATA_DIR"] = tmp
    os.environ["DESKPILOT_EMBEDDING_BACKEND"] = backend
    os.environ["DESKPILOT_INDEX_BACKEND"] = index_backend
    get_settings.cache_clear()
    embedder.get_embedder.cache_clear()
    index.close_clients()
    t = time.perf_counter()
    embedder.get_embedder()
    load_s = time.perf_counter() - t
    summary = ingest_paths([DATA / "docs"], collection="rhdh", tenant="bench", progress=False)
    t = time.perf_counter()
    again = ingest_paths([DATA / "docs"], collection="rhdh", tenant="bench", progress=False)
    reingest_s = time.perf_counter() - t
    out: dict[str, Any] = {
        "index_backend": index_backend,
        "embedder_load_s": round(load_s, 2),
        "ingest_s": round(summary.seconds, 2),
        "reingest_unchanged_s": round(reingest_s, 2),
        "docs": summary.added,
        "chunks": summary.chunks,
        "unchanged_on_reingest": again.unchanged,
        "modes": {},
    }
    # (mode, reranker, near-duplicate threshold, spelling): None = the default in settings;
    # threshold 2 = no folding
    configs: list[tuple[str, str, float | None, bool | None]] = [
        ("dense", "none", None, None),
        ("sparse", "none", None, None),
    ]
    configs += [("hybrid", name, None, None) for name in RERANKERS]
    configs += [("dense", "none", 2.0, False), ("sparse", "none", 2.0, False), ("hybrid", "none", 2.0, False)]
    configs += [
        ("sparse", "none", None, False),
        ("hybrid", "none", None, False),
        ("hybrid", "none", 2.0, None),
    ]
    configs += [("hybrid", "none", 0.95, None), ("hybrid", "none", 0.9, None)]
    for mode, rr, dedupe, spelling in configs:
        label = mode if mode != "hybrid" else f"hybrid+{rr}"
        if dedupe is not None:
            label += "+no-dedupe" if dedupe > 1 else f"+dedupe{dedupe:g}"
        if spelling is False:
            label += "+no-spelling"
        ranks: dict[str, int | None] = {}
        lat: list[float] = []
        for it in items:
            t = time.perf_counter()
            hits = search(
                it["question"],
                collection="rhdh",
                tenant="bench",
                k=10,
                mode=mode,
                reranker=rr,
                dedupe=dedupe,
                spelling=spelling,
            )
            lat.append((time.perf_counter() - t) * 1000)
            ranks[it["id"]] = first_hit_rank(hits, it)
        res: dict[str, Any] = {
            name: score_ranks([ranks[i["id"]] for i in part]).as_metrics() for name, part in splits.items()
        }
        res["search_ms_p50"] = round(_pct(lat, 0.5), 1)
        res["search_ms_p95"] = round(_pct(lat, 0.95), 1)
        out["modes"][label] = res
        print(
            f"  {backend:<11} {label:<22} "
            + "  ".join(
                f"{n}: h1 {m['hit@1']:.3f} h5 {m['hit@5']:.3f} mrr {m['mrr@10']:.3f}"
                for n, m in res.items()
                if isinstance(m, dict)
            )
            + f"  p50 {res['search_ms_p50']}ms p95 {res['search_ms_p95']}ms",
            flush=True,
        )
    index.close_clients()
    return out


def _scale_client(backend: str, tmp: str) -> Any:
    from qdrant_client import QdrantClient

    if backend == "edge":
        from retrieval.edge import EdgeClient

        return EdgeClient(Path(tmp) / "edge")
    return QdrantClient(location=":memory:")


def run_scale(backend: str, n: int, queries: int) -> dict[str, Any]:
    """Search latency at n synthetic chunks (random unit vectors, random BM25 terms, 4 tenants)
    through the same client calls (Query API prefetch + RRF for hybrid) that ``retrieval.search`` makes."""
    import warnings

    import numpy as np
    from qdrant_client import models

    from retrieval import index
    from retrieval.sparse import doc_vector, query_vector

    rng = np.random.default_rng(0)
    vocab = np.array([f"term{i}" for i in range(20000)])
    client = _scale_client(backend, tempfile.mkdtemp(prefix="bench-scale-"))
    client.create_collection(
        "scale",
        vectors_config={index.DENSE: models.VectorParams(size=384, distance=models.Distance.COSINE)},
        sparse_vectors_config={index.SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    t = time.perf_counter()
    batch = 2000
    for start in range(0, n, batch):
        vecs = rng.standard_normal((batch, 384)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        points = []
        for j in range(batch):
            words = " ".join(vocab[rng.integers(0, len(vocab), 60)])
            sv = doc_vector(words)
            points.append(
                models.PointStruct(
                    id=index.point_id(f"t{(start + j) % 4}", "/r", f"doc{(start + j) // 20}.md", start + j),
                    vector={
                        index.DENSE: vecs[j].tolist(),
                        index.SPARSE: models.SparseVector(indices=sv.indices, values=sv.values),
                    },
                    payload={
                        "tenant": f"t{(start + j) % 4}",
                        "source": f"doc{(start + j) // 20}.md",
                        "text": words,
                    },
                )
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client.upsert("scale", points=points, wait=True)
    write_s = time.perf_counter() - t
    t = time.perf_counter()
    if hasattr(client, "optimize"):
        client.optimize("scale")
    res: dict[str, Any] = {
        "backend": backend,
        "n": n,
        "queries": queries,
        "write_s": round(write_s, 1),
        "index_build_s": round(time.perf_counter() - t, 1),
    }
    flt = index.tenant_filter("t1")

    def query(vector: Any, using: str, limit: int) -> list[Any]:
        return list(
            client.query_points("scale", query=vector, using=using, query_filter=flt, limit=limit).points
        )

    for mode in ("dense", "sparse", "hybrid"):
        lat = []
        for _ in range(queries):
            q = rng.standard_normal(384).astype(np.float32)
            q /= np.linalg.norm(q)
            sv = query_vector(" ".join(vocab[rng.integers(0, len(vocab), 6)]))
            sparse = models.SparseVector(indices=sv.indices, values=sv.values)
            t = time.perf_counter()
            if mode == "dense":
                query(q.tolist(), index.DENSE, 10)
            elif mode == "sparse":
                query(sparse, index.SPARSE, 10)
            else:
                client.query_points(
                    "scale",
                    prefetch=[
                        models.Prefetch(query=q.tolist(), using=index.DENSE, filter=flt, limit=40),
                        models.Prefetch(query=sparse, using=index.SPARSE, filter=flt, limit=40),
                    ],
                    query=models.RrfQuery(rrf=models.Rrf(k=60)),
                    query_filter=flt,
                    limit=10,
                )
            lat.append((time.perf_counter() - t) * 1000)
        res[mode] = {"p50_ms": round(_pct(lat, 0.5), 2), "p95_ms": round(_pct(lat, 0.95), 2)}
        print(
            f"  scale {backend} n={n} {mode:<7} p50 {res[mode]['p50_ms']}ms p95 {res[mode]['p95_ms']}ms",
            flush=True,
        )
    client.close()
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="torch-int8,torch")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--scale-n", type=int, default=100_000)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--local-queries", type=int, default=10)
    ap.add_argument("--scale-only", action="store_true")
    ap.add_argument("--index", default="edge", help="embedded index for the quality runs: edge | local")
    args = ap.parse_args()

    from deskpilot.offline import configure_offline_env

    configure_offline_env()
    from retrieval.metrics import split_by_group

    items = [
        json.loads(line) for line in (DATA / "golden_dev.jsonl").read_text().splitlines() if line.strip()
    ]
    if args.limit:
        items = items[: args.limit]
    tune, held = split_by_group(items, tune_fraction=0.6, seed=13)
    splits = {"tune": tune, "heldout": held, "all": items}
    result: dict[str, Any] = {
        "n": {"tune": len(tune), "heldout": len(held), "all": len(items)},
        "note": "2-core machine; timings vary with other load",
        "load_average_at_start": os.getloadavg(),
        "backends": {},
    }
    for backend in [b for b in args.backends.split(",") if b and not args.scale_only]:
        result["backends"][backend] = run_quality(backend, items, splits, args.index)
    if not args.skip_scale:
        result["scale"] = {
            "edge": run_scale("edge", args.scale_n, queries=200),
            # local mode scans every point in Python: seconds per query at 100k, so fewer queries
            "qdrant-local": run_scale("qdrant", args.scale_n, queries=args.local_queries),
        }
    if OUT.is_file() and (args.scale_only or args.skip_scale):  # keep the other section of the last run
        previous = json.loads(OUT.read_text())
        if args.scale_only:
            result = {**previous, "scale": result["scale"]}
        elif "scale" in previous:
            result["scale"] = previous["scale"]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
