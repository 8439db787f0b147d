"""Webhook benchmark: N signed tickets at concurrency C against a real `deskpilot serve`.

Starts its own server (subprocess, free loopback port, temporary data dir with the fixture KB
ingested), measures the accept path (signature check + DB commit + huey enqueue) with the
in-process worker off, then starts `deskpilot worker` and times until every ticket is done.
A slice of events is re-delivered to check idempotency. Writes bench/results/webhook.json.

Ticket bodies are off-topic by default: the agent abstains without calling the LLM, so the
drain time measures the queue + retrieval pipeline, not the model (`--on-topic` for real
drafts with the local model; use a small N). Both processes share the 2 cores with the client
(and with other engineers' jobs): numbers are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, percentile, write_result

DP = str(Path(sys.executable).with_name("deskpilot"))
KB = REPO / "tests" / "fixtures" / "agent" / "kb"
TENANT = "bench"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESKPILOT_")}
    env.update({"DESKPILOT_DATA_DIR": str(data_dir), "DESKPILOT_RATE_LIMIT_PER_MINUTE": "0", **extra})
    return env


def prepare(data_dir: Path, *, kb: Path | None = KB) -> dict[str, str]:
    """Ingest a KB (the fixture KB by default) and create a key; returns
    {tenant, api_key, webhook_secret}."""
    env = bench_env(data_dir)
    if kb is not None:
        subprocess.run([DP, "ingest", str(kb), "--tenant", TENANT], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [DP, "keys", "create", "--tenant", TENANT, "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def start_server(data_dir: Path, port: int, **extra: str) -> subprocess.Popen[bytes]:
    import httpx

    env = bench_env(data_dir, DESKPILOT_TENANT=TENANT, **extra)
    proc = subprocess.Popen(
        [DP, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


async def send_all(
    base: str, secret: str, events: list[dict[str, Any]], concurrency: int
) -> list[tuple[int, float, dict[str, Any]]]:
    import httpx

    from tickets.signing import HEADER, sign

    sem = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def one(event: dict[str, Any]) -> tuple[int, float, dict[str, Any]]:
            body = json.dumps(event).encode()
            async with sem:
                t0 = time.perf_counter()
                r = await client.post(
                    f"/v1/webhooks/{TENANT}/tickets",
                    content=body,
                    headers={HEADER: sign([secret], body), "Content-Type": "application/json"},
                )
                return r.status_code, time.perf_counter() - t0, r.json()

        return await asyncio.gather(*(one(e) for e in events))


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ticket_states(db: Path) -> dict[str, tuple[str, int]]:
    con = sqlite3.connect(db)
    try:
        return {tid: (st, n) for tid, st, n in con.execute("select id, status, attempts from api_tickets")}
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--duplicates", type=float, default=0.1, help="share of events delivered twice")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--on-topic", action="store_true")
    ap.add_argument("--drain-timeout", type=float, default=900)
    args = ap.parse_args()

    from deskpilot.offline import configure_offline_env

    configure_offline_env()
    body = (
        "How long does a refund take to show up on my card?"
        if args.on_topic
        else "The parrot in the office keeps singing sea shanties; which seed mix calms it down?"
    )
    events = [
        {"id": f"evt_{uuid.uuid4().hex}", "ticket": {"id": f"T-{i}", "subject": f"Ticket {i}", "body": body}}
        for i in range(args.n)
    ]
    redelivered = events[: int(args.n * args.duplicates)]
    with tempfile.TemporaryDirectory(prefix="dp-bench-") as tmp:
        data = Path(tmp) / "data"
        creds = prepare(data)
        port = free_port()
        server = start_server(data, port, DESKPILOT_RUN_WORKER_IN_PROCESS="false")
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(send_all(base, creds["webhook_secret"], events[:50], args.concurrency))  # warm-up
            cpu0, t0 = cpu_seconds(server.pid), time.perf_counter()
            results = asyncio.run(send_all(base, creds["webhook_secret"], events[50:], args.concurrency))
            accept_s = time.perf_counter() - t0
            server_cpu_s = cpu_seconds(server.pid) - cpu0
            load = os.getloadavg()[0]
            dup_results = asyncio.run(send_all(base, creds["webhook_secret"], redelivered, args.concurrency))
            worker = subprocess.Popen(
                [DP, "worker", "--workers", str(args.workers)],
                env=bench_env(data, DESKPILOT_TENANT=TENANT),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            t1 = time.perf_counter()
            deadline = t1 + args.drain_timeout
            db = data / "deskpilot.db"
            while time.perf_counter() < deadline:
                states = ticket_states(db)
                if sum(st in ("done", "failed") for st, _ in states.values()) >= args.n:
                    break
                time.sleep(0.5)
            drain_s = time.perf_counter() - t1
            stop(worker)
        finally:
            stop(server)
        states = ticket_states(data / "deskpilot.db")

    accepted = [lat for code, lat, _ in results if code == 202]
    lat_ms = [lat * 1000 for _, lat, _ in results]
    measured = len(results)
    out = {
        "n": args.n,
        "concurrency": args.concurrency,
        "measured_requests": measured,
        "accepted": len(accepted),
        "non_202": measured - len(accepted),
        "accepted_per_s": round(len(accepted) / accept_s, 1),
        "accept_p50_ms": round(percentile(lat_ms, 50), 2),
        "accept_p99_ms": round(percentile(lat_ms, 99), 2),
        "server_cpu_ms_per_accept": round(server_cpu_s * 1000 / max(1, measured), 3),
        "projected_accepts_per_s_per_idle_core": round(measured / server_cpu_s, 1) if server_cpu_s else None,
        "load_average_1m_during_run": round(load, 2),
        "redelivered": len(redelivered),
        "redelivered_answered_duplicate": sum(
            1 for c, _, b in dup_results if c == 200 and b["status"] == "duplicate"
        ),
        "tickets_in_db": len(states),
        "done": sum(st == "done" for st, _ in states.values()),
        "failed": sum(st == "failed" for st, _ in states.values()),
        "lost": args.n - sum(st in ("done", "failed") for st, _ in states.values()),
        "duplicated": (len(states) - args.n) + sum(n > 1 for _, n in states.values()),
        "time_until_all_done_s": round(drain_s, 2),
        "drain_tickets_per_s": round(args.n / drain_s, 1) if drain_s else None,
        "worker_threads": args.workers,
        "bodies": "on-topic (LLM drafts)" if args.on_topic else "off-topic (abstains, no LLM call)",
        "targets": {"accepted_per_s": ">= 300", "accept_p99_ms": "< 50"},
        "note": "server, worker and load generator share 2 cores with other jobs; numbers are noisy",
    }
    write_result("webhook", out)


if __name__ == "__main__":
    main()
