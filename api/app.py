"""FastAPI app factory: ``create_app(settings=None)``.

Building it redacts every log record of the process (``agent.guard.scrub``) and migrates an older
database (``api.migrate``). The lifespan creates the tables, re-enqueues tickets a crash left
unfinished and (unless ``settings.run_worker_in_process`` is false) runs a huey consumer in
worker threads.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from huey.api import Huey

from agent.guard.scrub import install_log_redaction
from api import errors
from api.limits import BodyLimitMiddleware, RateLimiter
from api.migrate import migrate
from api.routers import approvals, chat, feedback, health, metrics, threads, tickets, webhooks, widget
from api.runtime import AgentHolder, Runtime
from api.tables import TABLES
from api.telemetry import MetricsMiddleware, Telemetry
from deskpilot.db import create_tables, get_engine
from deskpilot.settings import Settings, get_settings
from tickets.callback import Callbacks
from tickets.queue import TicketQueue
from tickets.schemas import TicketEvent

log = logging.getLogger(__name__)

DESCRIPTION = """deskpilot: grounded support answers (SSE chat), signed ticket webhooks processed on a
durable queue, and the support-agent widget. Authenticate with `Authorization: Bearer <api key>`
(`deskpilot keys create --tenant T`); the ticket webhook is authenticated by its
`Deskpilot-Signature` instead. Errors are `{"error": {"code", "message"}}` with a 4xx status."""


def create_app(
    settings: Settings | None = None,
    *,
    agent: Any = None,
    huey: Huey | None = None,
    callback_transport: httpx.BaseTransport | None = None,
    workers: int = 1,
) -> FastAPI:
    """``agent``: an ``AgentService`` to use instead of building one; ``huey``: a queue instance."""
    s = settings or get_settings()
    install_log_redaction()
    engine = get_engine(settings=s)
    telemetry = Telemetry()
    agents = AgentHolder(s, agent)
    callbacks = Callbacks(engine, transport=callback_transport)
    queue = TicketQueue(s, engine, agents.get, huey=huey, callbacks=callbacks, telemetry=telemetry)
    runtime = Runtime(
        settings=s,
        engine=engine,
        telemetry=telemetry,
        limiter=RateLimiter(s.rate_limit_per_minute),
        agents=agents,
        queue=queue,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        create_tables(engine, *TABLES)
        queue.recover()
        if s.run_worker_in_process:
            queue.start(workers)
        try:
            yield
        finally:
            queue.stop()
            agents.close()

    app = FastAPI(title="deskpilot", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.runtime = runtime
    create_tables(engine, *TABLES)  # also when used without lifespan (e.g. ASGITransport)
    migrate(engine)
    errors.install(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=s.max_body_bytes)
    app.add_middleware(MetricsMiddleware, telemetry=telemetry)
    for module in (chat, threads, approvals, feedback, webhooks, tickets, health, metrics, widget):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(packages=[("api", "static")]), name="static")
    _document_webhook_body(app)
    return app


def build_queue(settings: Settings | None = None) -> TicketQueue:
    """The queue without the HTTP app: what ``deskpilot worker`` runs."""
    s = settings or get_settings()
    install_log_redaction()
    engine = get_engine(settings=s)
    create_tables(engine, *TABLES)
    migrate(engine)
    agents = AgentHolder(s)
    return TicketQueue(s, engine, agents.get, callbacks=Callbacks(engine), telemetry=Telemetry())


def _document_webhook_body(app: FastAPI) -> None:
    """The webhook reads its raw body (for the signature); publish its schema anyway."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        ref = "#/components/schemas/{model}"
        event = TicketEvent.model_json_schema(ref_template=ref)
        comps = schema.setdefault("components", {}).setdefault("schemas", {})
        comps.update(event.pop("$defs", {}))
        comps["TicketEvent"] = event
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
