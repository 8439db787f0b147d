"""route: choose answer | tool | escalate and the tool calls (see :mod:`agent.planner`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.config import get_stream_writer

from agent.context import AgentDeps
from agent.planner import plan_deterministic, plan_native
from agent.state import AgentState


def make_route(deps: AgentDeps) -> Callable[[AgentState], dict[str, Any]]:
    def route(state: AgentState) -> dict[str, Any]:
        entities = state.get("entities", {})
        if deps.native_tools:
            history = [
                {"role": "user" if isinstance(m, HumanMessage) else "assistant", "content": str(m.content)}
                for m in state.get("messages", [])[-6:]
                if isinstance(m, HumanMessage | AIMessage)
            ]
            plan = plan_native(state["question"], history, entities, deps)
        else:
            plan = plan_deterministic(state["question"], entities, state.get("triage"))
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


def after_route(state: AgentState) -> Literal["retrieve", "tools", "escalate"]:
    match state.get("route"):
        case "tool":
            return "tools"
        case "escalate":
            return "escalate"
        case _:
            return "retrieve"
