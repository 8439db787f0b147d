"""``Annotated`` dependency aliases; tests swap any of them via ``app.dependency_overrides``.

Cheap lookups are ``async def`` (a sync dependency costs a threadpool hop per request);
the API-key lookup and the agent build stay sync so they run in the threadpool.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from api.auth import hash_key, tenant_for_key
from api.runtime import Runtime
from api.telemetry import Telemetry
from deskpilot.exceptions import AuthError
from deskpilot.settings import Settings
from tickets.queue import TicketQueue

bearer = HTTPBearer(auto_error=False, description="an API key from `deskpilot keys create`")


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_app_settings(rt: RuntimeDep) -> Settings:
    return rt.settings


async def get_engine(rt: RuntimeDep) -> Engine:
    return rt.engine


async def get_telemetry(rt: RuntimeDep) -> Telemetry:
    return rt.telemetry


async def get_queue(rt: RuntimeDep) -> TicketQueue:
    return rt.queue


def get_agent(rt: RuntimeDep) -> Any:
    """The ``AgentService`` (built on first use; sync so the build runs in the threadpool)."""
    return rt.agents.get()


def get_tenant(rt: RuntimeDep, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    """The tenant the Bearer key belongs to; everything the request touches is scoped to it."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise AuthError("missing Authorization: Bearer <api key>")
    tenant = tenant_for_key(rt.engine, creds.credentials)
    if tenant is None:
        raise AuthError("invalid API key")
    rt.limiter.check(hash_key(creds.credentials))
    return tenant


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
TelemetryDep = Annotated[Telemetry, Depends(get_telemetry)]
QueueDep = Annotated[TicketQueue, Depends(get_queue)]
AgentDep = Annotated[Any, Depends(get_agent)]
TenantDep = Annotated[str, Depends(get_tenant)]
