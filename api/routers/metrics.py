"""``GET /metrics``: Prometheus text format (queue depth and ticket counts refreshed per scrape)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST

from api.deps import RuntimeDep
from api.runtime import Runtime
from api.telemetry import Telemetry
from tickets import store as tickets

router = APIRouter(tags=["health"])


def _render(rt: Runtime) -> bytes:
    def refresh(t: Telemetry) -> None:
        try:
            t.queue_depth.set(rt.queue.depth())
        except Exception:  # the queue backend being down must not break the scrape
            t.queue_depth.set(float("nan"))
        for status in ("queued", "processing", "done", "failed"):
            t.tickets.labels(status).set(0)
        for status, n in tickets.counts(rt.engine).items():
            t.tickets.labels(status).set(n)

    return rt.telemetry.render(refresh)


@router.get("/metrics", response_class=Response, summary="Prometheus metrics")
async def metrics(rt: RuntimeDep) -> Response:
    return Response(await run_in_threadpool(_render, rt), media_type=CONTENT_TYPE_LATEST)
