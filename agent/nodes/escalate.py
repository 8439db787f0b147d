"""escalate: hand off to a human with a summary and the triage; tell the customer so.

Reached on a request for a human, a suspected prompt injection (refused), or when the
evidence does not support an answer (abstained). With a capable model the summary is written
by the model (prompt ``escalation``); with the local model it is the redacted request itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.config import get_config, get_stream_writer
from langgraph.runtime import Runtime

from agent.context import AgentDeps, for_run
from agent.state import AgentState, usage_of
from deskpilot.runconfig import RunConfig

MESSAGES = {
    "injection": "I can't help with that request. I've flagged this conversation for a human agent.",
    "asked_for_human": "I've passed your request to a human agent, who will follow up with you shortly.",
    "abstain": "I couldn't find this in our help center, so I won't guess. I've passed your question to a "
    "human agent, who will follow up with you.",
}


def make_escalate(deps: AgentDeps) -> Callable[..., dict[str, Any]]:
    def escalate(state: AgentState, runtime: Runtime[RunConfig] | None = None) -> dict[str, Any]:
        d = for_run(deps, runtime)
        reason = state.get("route_reason", "")
        if state.get("injection"):
            kind, mode = "injection", "refused"
        elif state.get("route") == "escalate":
            kind, mode = "asked_for_human", "escalated"
        else:
            kind, mode = "abstain", "abstained"
        triage = state.get("triage") or {}
        out: dict[str, Any] = {}
        summary = _summary(state, d, out)
        thread_id = get_config().get("configurable", {}).get("thread_id")
        record = deps.backend.escalate_to_human(
            state["tenant"],
            thread_id=str(thread_id) if thread_id else None,
            summary=summary,
            reason=kind if kind != "abstain" else f"abstain:{reason or 'no_evidence'}",
            queue=triage.get("queue"),
            priority=triage.get("priority"),
        )
        text = MESSAGES[kind]
        writer = get_stream_writer()
        writer({"type": "route", "route": "escalate"})
        writer({"type": "token", "text": text})
        return out | {
            "route": "escalate",
            "answer": text,
            "citations": [],
            "answer_mode": mode,
            "escalated": True,
            "escalation": {"id": record.id, "reason": kind, "summary": summary, "triage": triage},
            "messages": [AIMessage(content=text, additional_kwargs={"citations": [], "mode": mode})],
        }

    return escalate


def _summary(state: AgentState, deps: AgentDeps, out: dict[str, Any]) -> str:
    question = state.get("question", "")
    if not deps.native_tools or state.get("injection"):
        return f"Customer request (redacted): {question[:500]}"
    from deskpilot import llm

    prompt = deps.prompt("escalation")
    turns = [m for m in state.get("messages", []) if isinstance(m, HumanMessage | AIMessage)][-6:]
    conversation = "\n".join(
        f"{'customer' if isinstance(m, HumanMessage) else 'assistant'}: {m.content}" for m in turns
    )
    triage = state.get("triage") or {}
    reply = llm.chat(
        prompt.render(
            conversation=conversation,
            **{k: triage.get(k, "unknown") for k in ("queue", "priority", "sentiment", "language")},
        ),
        **deps.llm_kwargs("summary"),
    )
    out["usage"] = usage_of(reply)
    out["prompt_refs"] = [prompt.ref]
    return reply.text.strip() or f"Customer request (redacted): {question[:500]}"
