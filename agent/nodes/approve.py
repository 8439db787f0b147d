"""approve: money moves only after a human says so. The graph pauses here with ``interrupt()``
and resumes with ``Command(resume={"approved": bool})``; the refund is idempotent per
thread+charge, so re-running this node after a crash cannot pay twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langgraph.types import interrupt

from agent.context import AgentDeps
from agent.state import AgentState
from deskpilot.exceptions import UserInputError


def make_approve(deps: AgentDeps) -> Callable[[AgentState], dict[str, Any]]:
    def approve(state: AgentState) -> dict[str, Any]:
        action = state["pending_action"] or {}
        decision = interrupt(action)
        approved = bool(decision.get("approved")) if isinstance(decision, dict) else bool(decision)
        results = list(state.get("tool_results", []))
        if not approved:
            results.append(
                {"tool": "create_refund", "args": {"charge_id": action["charge_id"]}, "denied": True}
            )
            return {"tool_results": results, "pending_action": None}
        try:
            refund = deps.backend.create_refund(
                state["tenant"],
                action["charge_id"],
                amount=action["amount"],
                reason=action["reason"],
                idempotency_key=action["idempotency_key"],
            )
            results.append(
                {
                    "tool": "create_refund",
                    "args": {"charge_id": action["charge_id"]},
                    "result": refund.model_dump(),
                }
            )
        except UserInputError as exc:
            results.append(
                {"tool": "create_refund", "args": {"charge_id": action["charge_id"]}, "error": exc.message}
            )
        return {"tool_results": results, "pending_action": None}

    return approve
