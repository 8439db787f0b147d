"""``POST /v1/feedback``: thumbs up/down (with comment or corrected answer, stored redacted) on an
answer, named by its checkpoint message id."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api import conversations
from api.deps import AgentDep, EngineDep, TenantDep
from api.errors import ERROR_RESPONSES
from api.schemas import FeedbackOut, FeedbackRequest

router = APIRouter(tags=["feedback"])


@router.post(
    "/v1/feedback",
    response_model=FeedbackOut,
    status_code=201,
    responses=ERROR_RESPONSES,
    summary="Rate an answer",
)
async def feedback(
    req: FeedbackRequest, tenant: TenantDep, engine: EngineDep, agent: AgentDep
) -> FeedbackOut:
    return FeedbackOut(id=await run_in_threadpool(conversations.add_feedback, engine, agent, tenant, req))
