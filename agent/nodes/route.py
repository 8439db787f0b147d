"""route: choose answer | tool | escalate | smalltalk and the tool calls (see :mod:`agent.planner`).

Small talk is recognised before either planner runs, so a greeting never costs a model call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.context import AgentDeps, for_run
from agent.planner import Plan, plan_deterministic, plan_native, smalltalk_kind
from agent.state import AgentState
from deskpilot.runconfig import RunConfig


def make_route(deps: AgentDeps) -> Callable[..., dict[str, Any]]:
    def route(state: AgentState, runtime: Runtime[RunConfig] | None = None) -> dict[str, Any]:
        d = for_run(deps, runtime)
        entities = state.get("entities", {})
        chat = state.get("mode", "chat") == "chat"  # a ticket is never answered with small talk
        kind = smalltalk_kind(state["question"]) if chat else None
        if kind is not None:
            plan = Plan(route="smalltalk", reason=f"smalltalk:{kind}")
        elif d.native_tools:
            history = [
                {"role": "user" if isinstance(m, HumanMessage) else "assistant", "content": str(m.content)}
                for m in state.get("messages", [])[-6:]
                if isinstance(m, HumanMessage | AIMessage)
            ]
            plan = plan_native(state["question"], history, entities, d)
        else:
            plan = plan_deterministic(state["question"], entities, state.get("triage"), smalltalk=chat)
        if plan.route != "smalltalk":  # small talk is announced as a plain answer (no prompt used)
            get_stream_writer()({"type": "route", "route": plan.route})
        out: dict[str, Any] = {
            "route": plan.route,
            "route_reason": plan.reason,
            "plan": [c.model_dump() for c in plan.calls],
        }
        if plan.usage:
            out["usage"] = plan.usage
        if plan.prompt_ref:
            out["prompt_refs"] = [plan.prompt_ref]
        return out

    return route


def after_route(state: AgentState) -> Literal["retrieve", "tools", "escalate", "smalltalk"]:
    match state.get("route"):
        case "answer":
            return "retrieve"
        case "tool":
            return "tools"
        case "escalate":
            return "escalate"
        case "smalltalk":
            return "smalltalk"
        case other:
            raise ValueError(f"route node produced an unknown route {other!r}")
