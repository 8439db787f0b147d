"""Mixed load on loopback: signed webhooks and chats at the same time against one server.

Bounded in count and time. Reports throughput, p50/p99 per request kind, 5xx and other
errors. Chats run with the local model (in-scope questions from examples/acme/golden.jsonl),
so they are the slow part; webhooks measure the accept path under that CPU pressure.
Writes bench/results/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, percentile, write_result
from webhook import TENANT, free_port, prepare, start_server, stop

ACME = REPO / "examples" / "acme"


async def drive(
    base: str, creds: dict[str, str], n_hooks: int, n_chats: int, concurrency: int, budget_s: float
) -> dict[str, Any]:
    import httpx

    from tickets.signing import HEADER, sign

    questions = [
        json.loads(x)["question"] for x in (ACME / "golden.jsonl").read_text().splitlines() if x.strip()
    ]
    results: dict[str, list[tuple[int, float]]] = {"webhook": [], "chat": []}
    span: dict[str, list[float]] = {"webhook": [], "chat": []}  # finish times, for throughput
    sem = asyncio.Semaphore(concurrency)
    deadline = time.monotonic() + budget_s
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:

        async def hook(i: int) -> None:
            body = json.dumps(
                {
                    "id": f"evt_{uuid.uuid4().hex}",
                    "ticket": {"id": f"L-{i}", "subject": "load", "body": questions[i % len(questions)]},
                }
            ).encode()
            async with sem:
                if time.monotonic() > deadline:
                    return
                t0 = time.perf_counter()
                try:
                    r = await client.post(
                        f"/v1/webhooks/{TENANT}/tickets",
                        content=body,
                        headers={HEADER: sign([creds["webhook_secret"]], body)},
                    )
                    results["webhook"].append((r.status_code, time.perf_counter() - t0))
                except httpx.HTTPError:
                    results["webhook"].append((0, time.perf_counter() - t0))
                span["webhook"].append(time.perf_counter())

        async def chat(i: int) -> None:
            if time.monotonic() > deadline:
                return
            t0 = time.perf_counter()
            try:
                r = await client.post(
                    "/v1/chat",
                    json={"message": questions[i % len(questions)], "stream": False},
                    headers={"Authorization": f"Bearer {creds['api_key']}"},
                )
                results["chat"].append((r.status_code, time.perf_counter() - t0))
            except httpx.HTTPError:
                results["chat"].append((0, time.perf_counter() - t0))
            span["chat"].append(time.perf_counter())

        async def chats() -> None:
            for i in range(n_chats):  # one chat at a time, as one support agent would
                await chat(i)

        t0 = time.perf_counter()
        await asyncio.gather(chats(), *(hook(i) for i in range(n_hooks)))
        wall = time.perf_counter() - t0

    def stats(kind: str) -> dict[str, Any]:
        rows = results[kind]
        lat = [s * 1000 for _, s in rows]
        active = (max(span[kind]) - t0) if span[kind] else 0.0
        return {
            "n": len(rows),
            "ok": sum(200 <= c < 300 for c, _ in rows),
            "5xx": sum(c >= 500 for c, _ in rows),
            "other_errors": sum(c == 0 or 300 <= c < 500 for c, _ in rows),
            "p50_ms": round(percentile(lat, 50), 1),
            "p99_ms": round(percentile(lat, 99), 1),
            "active_s": round(active, 2),
            "per_s": round(len(rows) / active, 2) if active else None,
        }

    return {"wall_s": round(wall, 2), "webhook": stats("webhook"), "chat": stats("chat")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--webhooks", type=int, default=400)
    ap.add_argument("--chats", type=int, default=6)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--budget-s", type=float, default=300)
    args = ap.parse_args()
    from deskpilot.offline import configure_offline_env

    configure_offline_env()
    with tempfile.TemporaryDirectory(prefix="dp-load-") as tmp:
        data = Path(tmp) / "data"
        creds = prepare(data, kb=ACME / "kb")
        port = free_port()
        server = start_server(data, port)
        try:
            out = asyncio.run(
                drive(
                    f"http://127.0.0.1:{port}",
                    creds,
                    args.webhooks,
                    args.chats,
                    args.concurrency,
                    args.budget_s,
                )
            )
        finally:
            stop(server)
    out.update(
        {
            "webhooks_requested": args.webhooks,
            "chats_requested": args.chats,
            "concurrency": args.concurrency,
            "note": "server (with in-process worker drafting replies), model and client share 2 cores",
        }
    )
    write_result("load", out)


if __name__ == "__main__":
    main()
