"""tools: run the planned read tools; prepare (never execute) a refund for human approval."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langgraph.config import get_config

from agent.context import AgentDeps
from agent.state import AgentState
from agent.tools.registry import ToolCall, run_read_tool, validate_call
from agent.tools.schemas import CreateRefundArgs, ListChargesArgs, LookupCustomerArgs


def make_tools(deps: AgentDeps) -> Callable[[AgentState], dict[str, Any]]:
    def tools(state: AgentState) -> dict[str, Any]:
        tenant = state["tenant"]
        results: list[dict[str, Any]] = []
        pending: dict[str, Any] | None = None
        for raw in state.get("plan", []):
            call = ToolCall.model_validate(raw)
            try:
                args = validate_call(call, deps.permissions)
            except ValueError as exc:
                results.append({"tool": call.name, "args": call.args, "error": str(exc)})
                continue
            if isinstance(args, CreateRefundArgs):
                pending = _refund_proposal(args, results, tenant)
                continue
            result = run_read_tool(deps.backend, tenant, call.name, args)
            results.append(result)
            if isinstance(args, LookupCustomerArgs) and result["result"]:
                more = ListChargesArgs(customer_id=result["result"]["id"])
                results.append(run_read_tool(deps.backend, tenant, "list_charges", more))
        return {"tool_results": results, "pending_action": pending}

    return tools


def _refund_proposal(
    args: CreateRefundArgs, results: list[dict[str, Any]], tenant: str
) -> dict[str, Any] | None:
    charge = next(
        (
            r["result"]
            for r in results
            if r["tool"] == "get_charge" and r["args"].get("charge_id") == args.charge_id
        ),
        None,
    )
    if not charge or charge.get("refundable", 0) <= 0:
        results.append({"tool": "create_refund", "args": args.model_dump(), "error": "not refundable"})
        return None
    amount = args.amount or charge["refundable"]
    if amount > charge["refundable"]:
        results.append(
            {"tool": "create_refund", "args": args.model_dump(), "error": "amount above refundable"}
        )
        return None
    thread_id = str(get_config().get("configurable", {}).get("thread_id", ""))
    return {
        "type": "refund",
        "tool": "create_refund",
        "tenant": tenant,
        "charge_id": args.charge_id,
        "amount": amount,
        "currency": charge["currency"],
        "reason": args.reason,
        "idempotency_key": f"{thread_id}:{args.charge_id}",
    }


def after_tools(state: AgentState) -> Literal["approve", "respond"]:
    return "approve" if state.get("pending_action") else "respond"
