"""``GET /v1/tickets/{ticket_id}``: status, triage and the cited draft reply."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.deps import EngineDep, TenantDep
from api.errors import ERROR_RESPONSES
from tickets import store
from tickets.schemas import TicketOut

router = APIRouter(tags=["tickets"], responses={k: ERROR_RESPONSES[k] for k in (401, 404, 429)})


@router.get(
    "/v1/tickets/{ticket_id}",
    response_model=TicketOut,
    summary="A ticket's processing result (our ticket id or the helpdesk's)",
)
async def get_ticket(ticket_id: str, tenant: TenantDep, engine: EngineDep) -> TicketOut:
    return await run_in_threadpool(store.get, engine, tenant, ticket_id)
