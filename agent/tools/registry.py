"""The tool catalogue: name, typed arguments, permission; OpenAI tool schemas for native
tool calling; validation and execution of read tools against a :class:`ToolBackend`.

``create_refund`` (money) is never executed here: the graph pauses for human approval first.
``search_docs`` and ``escalate_to_human`` are routes of the graph, not calls made here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from agent.tools.backend import ToolBackend
from agent.tools.schemas import (
    CreateRefundArgs,
    EscalateArgs,
    GetChargeArgs,
    GetDisputeArgs,
    ListChargesArgs,
    LookupCustomerArgs,
    Permission,
    SearchDocsArgs,
)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    args: type[BaseModel]
    permission: Permission


TOOLS: dict[str, ToolSpec] = {
    t.name: t
    for t in (
        ToolSpec(
            "search_docs", "Search the help center for how-to and policy questions.", SearchDocsArgs, "read"
        ),
        ToolSpec("lookup_customer", "Find a customer by id (cus_...) or email.", LookupCustomerArgs, "read"),
        ToolSpec("list_charges", "List a customer's recent charges.", ListChargesArgs, "read"),
        ToolSpec("get_charge", "Get one charge (ch_...): amount, status, refunds.", GetChargeArgs, "read"),
        ToolSpec(
            "get_dispute",
            "Get one dispute (dp_...): status, reason, evidence due date.",
            GetDisputeArgs,
            "read",
        ),
        ToolSpec("create_refund", "Refund a charge (needs human approval).", CreateRefundArgs, "money"),
        ToolSpec("escalate_to_human", "Hand the conversation to a human agent.", EscalateArgs, "escalate"),
    )
}


class ToolCall(BaseModel):
    name: str
    args: dict[str, Any]


def openai_tools(permissions: frozenset[str]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": t.name,
                "description": t.description,
                "parameters": t.args.model_json_schema(),
            },
        }
        for t in TOOLS.values()
        if t.permission in permissions
    ]


def validate_call(call: ToolCall, permissions: frozenset[str]) -> BaseModel:
    """Typed arguments for a permitted tool; ValueError otherwise."""
    spec = TOOLS.get(call.name)
    if spec is None:
        raise ValueError(f"unknown tool {call.name!r}")
    if spec.permission not in permissions:
        raise ValueError(f"tool {call.name!r} needs permission {spec.permission!r}")
    try:
        return spec.args.model_validate(call.args)
    except ValidationError as exc:
        raise ValueError(f"bad arguments for {call.name}: {exc.errors()[0]['msg']}") from exc


def run_read_tool(backend: ToolBackend, tenant: str, name: str, args: BaseModel) -> dict[str, Any]:
    """Execute one read tool; the result is a plain dict for the graph state."""
    data: Any
    if isinstance(args, LookupCustomerArgs):
        found = backend.lookup_customer(tenant, customer_id=args.customer_id, email=args.email)
        data = found.model_dump() if found else None
    elif isinstance(args, ListChargesArgs):
        data = [c.model_dump() for c in backend.list_charges(tenant, args.customer_id, args.limit)]
    elif isinstance(args, GetChargeArgs):
        charge = backend.get_charge(tenant, args.charge_id)
        data = charge.model_dump() | {"refundable": charge.refundable} if charge else None
    elif isinstance(args, GetDisputeArgs):
        dispute = backend.get_dispute(tenant, args.dispute_id)
        data = dispute.model_dump() if dispute else None
    else:
        raise ValueError(f"{name} is not a read tool")
    return {"tool": name, "args": args.model_dump(exclude_none=True), "result": data}
