"""tools: run the planned read tools; prepare (never execute) a refund for human approval.

Arguments hold placeholders like ``[EMAIL_1]``; the originals are put back only for the call,
and what the state keeps of each call (arguments, results, errors) is redacted again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langgraph.config import get_config

from agent.context import AgentDeps
from agent.guard import redact
from agent.state import AgentState
from agent.tools.registry import ToolCall, run_read_tool, validate_call
from agent.tools.schemas import CreateRefundArgs, ListChargesArgs, LookupCustomerArgs


def make_tools(deps: AgentDeps) -> Callable[[AgentState], dict[str, Any]]:
    def tools(state: AgentState) -> dict[str, Any]:
        tenant = state["tenant"]
        results: list[dict[str, Any]] = []
        pending: dict[str, Any] | None = None
        kept = _kept_originals()
        for raw in state.get("plan", []):
            call = ToolCall.model_validate(raw)
            call = call.model_copy(update={"args": {k: _unmask(v, kept) for k, v in call.args.items()}})
            try:
                args = validate_call(call, deps.permissions)
            except ValueError as exc:
                results.append(_masked({"tool": call.name, "args": call.args, "error": str(exc)}))
                continue
            if isinstance(args, CreateRefundArgs):
                pending = _refund_proposal(args, results, tenant)
                continue
            result = run_read_tool(deps.backend, tenant, call.name, args)
            results.append(_masked(result))
            if isinstance(args, LookupCustomerArgs) and result["result"]:
                more = ListChargesArgs(customer_id=result["result"]["id"])
                results.append(_masked(run_read_tool(deps.backend, tenant, "list_charges", more)))
        return {"tool_results": results, "pending_action": pending}

    return tools


def _kept_originals() -> dict[str, str]:
    """Placeholder → original (emails) of this run, from its config (``AgentService._start``)."""
    try:
        kept = get_config().get("configurable", {}).get("pii_kept")
    except RuntimeError:  # called outside a graph run
        return {}
    return dict(kept or {})


def _unmask(value: Any, kept: dict[str, str]) -> Any:
    if isinstance(value, str):
        for placeholder, original in kept.items():
            value = value.replace(placeholder, original)
    return value


def _masked(value: Any) -> Any:
    """What the state (checkpointed) keeps of a tool call: every string redacted (an email in
    the arguments or in the customer record it found becomes a placeholder)."""
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value


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
