"""Crash safety: signed tickets in flight, API and worker SIGKILLed mid-run, restarted.

1. A server (`deskpilot serve`, in-process worker off) and a standalone `deskpilot worker`
   start on a temporary data dir; the tenant has a completion callback to a local receiver.
2. N signed tickets are sent at concurrency C; once a third of them are accepted, both
   processes are killed with SIGKILL (no shutdown code runs).
3. Both restart; like a helpdesk, the sender re-delivers every event that got no 2xx, and
   then re-delivers *every* event once more (each must be answered ``duplicate``).
4. Wait until every ticket is done; count lost, duplicated and callback effects.

Exactly-once effects: one ticket row per event id, every accepted ticket ``done``, and every
ticket's callback received — receivers dedupe on ``Deskpilot-Event-Id`` (at-least-once
delivery; redeliveries are reported). Writes bench/results/crash.json (or ``--out``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_result
from webhook import DP, TENANT, bench_env, free_port, prepare, start_server, ticket_states


class Receiver:
    """A local callback endpoint that records every delivery's event id."""

    def __init__(self) -> None:
        self.deliveries: Counter[str] = Counter()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                self.rfile.read(length)
                with receiver._lock:
                    receiver.deliveries[self.headers.get("Deskpilot-Event-Id", "?")] += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


async def deliver(
    base: str,
    secret: str,
    events: list[dict[str, Any]],
    concurrency: int,
    accepted: list[str],
    stop_at: int | None = None,
) -> dict[str, int]:
    """Send events; returns event id -> HTTP status (0 = connection failed)."""
    import httpx

    from tickets.signing import HEADER, sign

    sem = asyncio.Semaphore(concurrency)
    out: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:

        async def one(event: dict[str, Any]) -> None:
            body = json.dumps(event).encode()
            async with sem:
                try:
                    r = await client.post(
                        f"/v1/webhooks/{TENANT}/tickets", content=body, headers={HEADER: sign([secret], body)}
                    )
                    out[event["id"]] = r.status_code
                    if r.status_code == 202:
                        accepted.append(event["id"])
                except httpx.HTTPError:
                    out[event["id"]] = 0

        await asyncio.gather(*(one(e) for e in events))
    return out


def run(n: int, concurrency: int, drain_timeout: float, workers: int) -> dict[str, Any]:
    events = [
        {
            "id": f"evt_{uuid.uuid4().hex}",
            "ticket": {
                "id": f"C-{i}",
                "subject": f"Crash {i}",
                "body": "Our office plant wilts on Mondays; which fertiliser helps?",
            },
        }
        for i in range(n)
    ]
    receiver = Receiver()
    with tempfile.TemporaryDirectory(prefix="dp-crash-") as tmp:
        data = Path(tmp) / "data"
        creds = prepare(data)
        subprocess.run(
            [DP, "keys", "callback", "--tenant", TENANT, "--url", receiver.url],
            env=bench_env(data),
            check=True,
            capture_output=True,
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"

        def start_both() -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
            server = start_server(data, port, DESKPILOT_RUN_WORKER_IN_PROCESS="false")
            log = (data / "worker.log").open("ab")
            worker = subprocess.Popen(
                [DP, "worker", "--workers", str(workers)],
                env=bench_env(data, DESKPILOT_TENANT=TENANT),
                stdout=log,
                stderr=log,
            )
            return server, worker

        server, worker = start_both()
        accepted: list[str] = []
        kill_at = max(1, n // 3)
        first: dict[str, int] = {}

        def killer() -> None:
            # kill mid-processing: some tickets accepted and at least one finished
            give_up = time.monotonic() + 120
            while time.monotonic() < give_up:
                if len(accepted) >= kill_at and any(
                    st == "done" for st, _ in ticket_states(data / "deskpilot.db").values()
                ):
                    break
                time.sleep(0.01)
            os.kill(worker.pid, signal.SIGKILL)
            os.kill(server.pid, signal.SIGKILL)

        t_kill = threading.Thread(target=killer, daemon=True)
        t_kill.start()
        t0 = time.perf_counter()
        first = asyncio.run(deliver(base, creds["webhook_secret"], events, concurrency, accepted))
        t_kill.join(timeout=60)
        server.wait()
        worker.wait()
        states_at_kill = ticket_states(data / "deskpilot.db")
        server, worker = start_both()
        try:
            unanswered = [e for e in events if first.get(e["id"], 0) not in (200, 202)]
            retry = asyncio.run(deliver(base, creds["webhook_secret"], unanswered, concurrency, accepted))
            again = asyncio.run(deliver(base, creds["webhook_secret"], events, concurrency, []))
            deadline = time.perf_counter() + drain_timeout
            while time.perf_counter() < deadline:
                states = ticket_states(data / "deskpilot.db")
                owed = len(states) - len(receiver.deliveries)
                if all(st == "done" for st, _ in states.values()) and owed <= 0:
                    break
                time.sleep(0.25)
            elapsed = time.perf_counter() - t0
        finally:
            for proc in (server, worker):
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        states = ticket_states(data / "deskpilot.db")
        worker_log = (data / "worker.log").read_text(errors="replace")
    receiver.server.shutdown()
    answered_2xx = {eid for eid, code in {**first, **retry}.items() if code in (200, 202)}
    ticket_ids = {f"ticket.completed:{tid}" for tid in states}
    return {
        "n": n,
        "concurrency": concurrency,
        "killed_after_accepted": kill_at,
        "at_kill": {
            "tickets": len(states_at_kill),
            "done": sum(st == "done" for st, _ in states_at_kill.values()),
            "processing": sum(st == "processing" for st, _ in states_at_kill.values()),
        },
        "first_pass_failed_connections": sum(code == 0 for code in first.values()),
        "redelivered_after_restart": len(unanswered),
        "events_answered_2xx": len(answered_2xx),
        "second_full_redelivery_duplicates": sum(code == 200 for code in again.values()),
        "tickets_in_db": len(states),
        "done": sum(st == "done" for st, _ in states.values()),
        "lost": n - sum(st == "done" for st, _ in states.values()),
        "duplicated": len(states) - n,
        "tickets_processed_more_than_once": sum(a > 1 for _, a in states.values()),
        "callbacks_missing": len(ticket_ids - set(receiver.deliveries)),
        "callback_effects": len(ticket_ids & set(receiver.deliveries)),
        "callback_redeliveries": sum(c - 1 for c in receiver.deliveries.values()),
        "total_s": round(elapsed, 2),
        "note": "2 shared cores; tickets are off-topic so the agent abstains without an LLM call",
        "worker_log_tail": worker_log[-2000:] if n - sum(st == "done" for st, _ in states.values()) else "",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--drain-timeout", type=float, default=900)
    ap.add_argument("--out", type=Path, default=None, help="write JSON here instead of bench/results")
    args = ap.parse_args()
    from deskpilot.offline import configure_offline_env

    configure_offline_env()
    result = run(args.n, args.concurrency, args.drain_timeout, args.workers)
    if args.out:
        args.out.write_text(json.dumps(result, indent=2))
        print(json.dumps(result, indent=2))
    else:
        write_result("crash", result)


if __name__ == "__main__":
    main()
