"""``GET /v1/threads`` (the widget's list) and ``GET /v1/threads/{thread_id}`` (the redacted
transcript, read from the agent's checkpoint)."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from api import conversations
from api.deps import AgentDep, EngineDep, TenantDep
from api.errors import ERROR_RESPONSES
from api.schemas import ThreadList, ThreadOut

router = APIRouter(tags=["threads"], responses={k: ERROR_RESPONSES[k] for k in (401, 404, 429)})


@router.get("/v1/threads", response_model=ThreadList, summary="Recent threads of this tenant")
async def list_threads(
    tenant: TenantDep, engine: EngineDep, limit: int = Query(default=50, ge=1, le=200)
) -> ThreadList:
    return ThreadList(threads=await run_in_threadpool(conversations.list_threads, engine, tenant, limit))


@router.get(
    "/v1/threads/{thread_id}", response_model=ThreadOut, summary="Messages of a thread, with citations"
)
async def get_thread(thread_id: str, tenant: TenantDep, engine: EngineDep, agent: AgentDep) -> ThreadOut:
    return await run_in_threadpool(conversations.get_thread, engine, agent, tenant, thread_id)
