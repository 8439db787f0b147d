"""Chat benchmark: TTFT (first `token` SSE event) and total latency, p50/p95, at 1 and 4
concurrent chats against a real `deskpilot serve` with the local model.

Starts its own server on a free loopback port with a temporary data dir in which
examples/acme/kb is ingested (the fixture KB if the sample is missing). Questions come from
examples/acme/golden.jsonl. The model runs on the same 2 cores as the server, the client and
other people's jobs: numbers are noisy. Writes bench/results/chat.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, summary, write_result
from webhook import free_port, prepare, start_server, stop

ACME = REPO / "examples" / "acme"
FALLBACK_KB = REPO / "tests" / "fixtures" / "agent" / "kb"


def questions(n: int) -> list[str]:
    path = ACME / "golden.jsonl"
    if path.exists():
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        qs = [r["question"] for r in rows if r.get("expected_behavior", "answer") == "answer"]
        if qs:
            return [qs[i % len(qs)] for i in range(n)]
    return ["How long does a refund take to show up on my card?"] * n


async def one_chat(client: Any, key: str, question: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    ttft = None
    done: dict[str, Any] = {}
    async with client.stream(
        "POST", "/v1/chat", json={"message": question}, headers={"Authorization": f"Bearer {key}"}
    ) as r:
        r.raise_for_status()
        event = ""
        async for line in r.aiter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                if event == "token" and ttft is None:
                    ttft = time.perf_counter() - t0
                if event == "done":
                    done = json.loads(line[5:])
    total = time.perf_counter() - t0
    return {"ttft_s": ttft if ttft is not None else total, "total_s": total, "mode": done.get("answer_mode")}


async def run_level(base: str, key: str, qs: list[str], concurrency: int) -> list[dict[str, Any]]:
    import httpx

    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:

        async def guarded(q: str) -> dict[str, Any]:
            async with sem:
                return await one_chat(client, key, q)

        return await asyncio.gather(*(guarded(q) for q in qs))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n1", type=int, default=6, help="questions at 1 user")
    ap.add_argument("--n4", type=int, default=8, help="questions at 4 users")
    args = ap.parse_args()
    kb = ACME / "kb" if (ACME / "kb").is_dir() else FALLBACK_KB
    with tempfile.TemporaryDirectory(prefix="dp-chat-") as tmp:
        data = Path(tmp) / "data"
        key = prepare(data, kb=kb)["api_key"]
        port = free_port()
        server = start_server(data, port)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(run_level(base, key, questions(1), 1))  # warm-up: model load, caches
            one = asyncio.run(run_level(base, key, questions(args.n1), 1))
            four = asyncio.run(run_level(base, key, questions(args.n4)[::-1], 4))
        finally:
            stop(server)

    def level(rows: list[dict[str, Any]]) -> dict[str, Any]:
        modes: dict[str, int] = {}
        for r in rows:
            modes[str(r["mode"])] = modes.get(str(r["mode"]), 0) + 1
        return {
            "ttft_s": {k: round(v, 3) for k, v in summary([r["ttft_s"] for r in rows]).items()},
            "total_s": {k: round(v, 3) for k, v in summary([r["total_s"] for r in rows]).items()},
            "answer_modes": modes,
        }

    write_result(
        "chat",
        {
            "kb": str(kb.relative_to(REPO)),
            "users_1": level(one),
            "users_4": level(four),
            "targets": {"users_1.ttft_s.p50": "< 1 s"},
            "load_average_1m_after_run": round(os.getloadavg()[0], 2),
            "note": "TTFT = first verified sentence (the agent streams only grounded sentences); "
            "2 shared cores, noisy",
        },
    )


if __name__ == "__main__":
    main()
