"""guard: redact PII before any model sees the message; flag prompt injection; reset the turn.

In ticket mode the input is the ticket's ``subject`` and ``body``; they are redacted here too and
joined into ``question`` (greeting and sign-off lines dropped), so the injection check runs on
the whole ticket before any search."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langchain_core.messages import HumanMessage
from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.context import AgentDeps, for_run
from agent.guard import check_injection, extract_entities, redact
from agent.nodes.ticket_text import ticket_question
from agent.state import AgentState
from deskpilot.runconfig import RunConfig


def make_guard(deps: AgentDeps) -> Callable[..., dict[str, Any]]:
    """The guard node; its switches (similarity, LLM check) and model come from this run."""

    def node(state: AgentState, runtime: Runtime[RunConfig] | None = None) -> dict[str, Any]:
        d = for_run(deps, runtime)
        return guard(state, run=d.config, llm_kwargs=dict(d.llm_overrides.get("guard", {})))

    node.__name__ = "guard"
    return node


def guard(
    state: AgentState, *, run: RunConfig | None = None, llm_kwargs: dict[str, Any] | None = None
) -> dict[str, Any]:
    ticket: dict[str, Any] = {}
    overrides = llm_kwargs or {}  # on top of the run's model kwargs (tests: mock_response)
    if state.get("mode") == "ticket":  # one redaction over both, so placeholders number consistently
        whole = redact(f"{state.get('subject', '').strip()}\n\n{state.get('body', '').strip()}").text
        subject, _, body = whole.partition("\n\n")
        ticket = {"subject": subject, "body": body, "question": ticket_question(subject, body)}
        verdict = check_injection(
            whole, run, **overrides
        )  # the whole ticket, greetings and sign-off included
    redaction = redact(ticket.get("question") or state.get("question", ""))  # idempotent
    if not ticket:
        verdict = check_injection(redaction.text, run, **overrides)
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
        "query": "",  # the condense node sets it on the answer route
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
        "ticket": None,
    }
    if ticket:
        out |= {"subject": ticket["subject"], "body": ticket["body"]}
    if verdict.flagged:
        out |= {"route": "escalate", "route_reason": "injection"}
        get_stream_writer()({"type": "route", "route": "escalate"})
    return out


def after_guard(state: AgentState) -> Literal["triage", "escalate"]:
    return "escalate" if state.get("injection") else "triage"
