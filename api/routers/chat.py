"""``POST /v1/chat``: SSE (``meta``, ``token``, ``citation``, ``done``) or, with ``stream=false``, JSON."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent

from api import conversations
from api.deps import AgentDep, RuntimeDep, TenantDep
from api.errors import ERROR_RESPONSES
from api.runtime import Runtime
from api.schemas import ChatDone, ChatRequest
from deskpilot.exceptions import DeskpilotError, UserInputError

router = APIRouter(tags=["chat"])

SSE_EXAMPLE = (
    'event: meta\ndata: {"thread_id": "5b0e6a1c", "route": "answer", "prompt_version": "answer@v1"}\n\n'
    'event: token\ndata: {"text": "Refunds reach the card in 5-10 business days [1]."}\n\n'
    'event: citation\ndata: {"source": "refunds.md", "title": "Refunds", "heading": "Timing", "url": null}\n\n'
    'event: done\ndata: {"answer": "...", "citations": [...], "escalated": false, "usage": {...}, '
    '"thread_id": "5b0e6a1c", "message_id": "3f2b7c1e-9a4d"}\n\n'
)


def record_answer(
    rt: Runtime, agent: Any, tenant: str, thread_id: str, done: dict[str, Any]
) -> dict[str, Any]:
    """After a turn: the payload gains the checkpoint id of the answer (``message_id``, for
    feedback); the thread index records the time and any action waiting for approval.
    The turn itself is already in the checkpoint: the one (redacted) transcript."""
    done = dict(done)
    done["thread_id"] = thread_id
    done["message_id"] = conversations.last_answer_id(agent, tenant, thread_id) or ""
    conversations.touch_thread(rt.engine, tenant, thread_id, done.get("pending_action"))
    rt.telemetry.observe_chat(done)
    return done


def _sse(event: str, data: dict[str, Any]) -> ServerSentEvent:
    return ServerSentEvent(event=event, data=json.dumps(data, ensure_ascii=False))


@router.post(
    "/v1/chat",
    response_model=ChatDone,
    responses={
        **ERROR_RESPONSES,
        200: {
            "description": "SSE stream (default) or, with `stream=false`, the `done` payload",
            "content": {"text/event-stream": {"schema": {"type": "string"}, "example": SSE_EXAMPLE}},
        },
    },
    summary="Ask the assistant",
)
async def chat(req: ChatRequest, tenant: TenantDep, rt: RuntimeDep, agent: AgentDep) -> Any:
    limit = rt.settings.max_message_chars
    if len(req.message) > limit:
        raise UserInputError(f"message is longer than {limit} characters", code="message_too_long")
    if not req.message.strip():
        raise UserInputError("message is empty")
    run = rt.agents.variant(req.run)  # before any work: an unknown run is a 400
    run_name = req.run or "default"
    # the server names threads: an unknown or foreign thread_id is a 404 here, before any work
    thread_id = await run_in_threadpool(
        conversations.open_thread, rt.engine, tenant, req.thread_id, req.message
    )
    if not req.stream:
        result = await run_in_threadpool(agent.ask, req.message, thread_id=thread_id, tenant=tenant, run=run)
        done = await run_in_threadpool(record_answer, rt, agent, tenant, thread_id, result.done_payload())
        return {**done, "run": run_name}

    events = agent.astream(req.message, thread_id=thread_id, tenant=tenant, run=run)
    first = await anext(events)  # errors before the first event still become proper 4xx/5xx

    async def stream() -> AsyncIterator[ServerSentEvent]:
        item = first
        try:
            while True:
                if item.event == "done":
                    done = await run_in_threadpool(record_answer, rt, agent, tenant, thread_id, item.data)
                    yield _sse("done", {**done, "run": run_name})
                else:
                    yield _sse(item.event, item.data)
                item = await anext(events)
        except StopAsyncIteration:
            return
        except DeskpilotError as exc:  # after the headers: report in-band
            yield _sse("error", {"code": exc.code, "message": exc.message})
        finally:
            await events.aclose()

    return EventSourceResponse(stream(), ping=15, headers={"Cache-Control": "no-store"})
