"""``POST /v1/threads/{thread_id}/approval``: approve or deny a refund waiting in a thread."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api import conversations
from api.deps import AgentDep, RuntimeDep, TenantDep
from api.errors import ERROR_RESPONSES
from api.routers.chat import record_answer
from api.schemas import ApprovalRequest, ChatDone
from deskpilot.exceptions import UserInputError

router = APIRouter(tags=["chat"])


@router.post(
    "/v1/threads/{thread_id}/approval",
    response_model=ChatDone,
    responses={
        **ERROR_RESPONSES,
        409: {"model": ERROR_RESPONSES[400]["model"], "description": "nothing pending"},
    },
    summary="Approve or deny the pending refund",
)
async def approve(
    thread_id: str, req: ApprovalRequest, tenant: TenantDep, rt: RuntimeDep, agent: AgentDep
) -> Any:
    thread = await run_in_threadpool(conversations.ensure_thread, rt.engine, tenant, thread_id)
    if thread.pending_action is None:
        raise UserInputError(
            f"thread {thread_id} has no action waiting for approval", code="conflict", status=409
        )
    result = await run_in_threadpool(agent.resume, thread_id, approved=req.approved, tenant=tenant)
    return await run_in_threadpool(record_answer, rt, agent, tenant, thread_id, result.done_payload())
