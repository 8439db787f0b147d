"""guard: redact PII before any model sees the message; flag prompt injection; reset the turn."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.messages import HumanMessage
from langgraph.config import get_stream_writer

from agent.guard import check_injection, extract_entities, redact
from agent.state import AgentState


def guard(state: AgentState) -> dict[str, Any]:
    redaction = redact(state.get("question", ""))  # idempotent when the service already redacted
    verdict = check_injection(redaction.text)
    entities = {k: list(v) for k, v in (state.get("entities") or {}).items()}
    for key, values in extract_entities(redaction).items():
        entities[key] = list(dict.fromkeys([*entities.get(key, []), *values]))
    out: dict[str, Any] = {
        "messages": [HumanMessage(content=redaction.text)],
        "question": redaction.text,
        "entities": entities,
        "pii": sorted({*(state.get("pii") or []), *redaction.kinds}),
        "injection": verdict.patterns,
        # per-turn fields start empty
        "usage": None,
        "prompt_refs": None,
        "triage": None,
        "plan": [],
        "retrieved": [],
        "evidence": 0.0,
        "coverage": 0.0,
        "tool_results": [],
        "pending_action": None,
        "draft": "",
        "answer": "",
        "citations": [],
        "escalated": False,
        "escalation": None,
    }
    if verdict.flagged:
        out |= {"route": "escalate", "route_reason": "injection"}
        get_stream_writer()({"type": "route", "route": "escalate"})
    return out


def after_guard(state: AgentState) -> Literal["triage", "escalate"]:
    return "escalate" if state.get("injection") else "triage"
