"""Route a turn: answer (retrieve + draft) | tool (record lookups, refunds) | escalate | smalltalk.

Two planners give the same output, a :class:`Plan`:
- deterministic (the local model): small talk (a message that is only a greeting, thanks,
  goodbye, an acknowledgement or "who are you"), ids (``ch_``, ``cus_``, ``dp_``), emails found in the
  message, refund-intent words (not negated: "don't refund it yet"), requests for a human, and
  the triage queue (which names the docs to search; it never asks for a refund by itself);
- native tool calling (a capable model) through LiteLLM, with the same tool catalogue.
Money moves only for a charge id the customer wrote in the message itself.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, Field

from agent.context import AgentDeps
from agent.state import Route, usage_of
from agent.tools.registry import ToolCall, openai_tools, validate_call

REFUND_RE = re.compile(r"\b(refund|money back|reimburse|chargeback my|give me back)\w*", re.I)
# "Don't refund ch_… yet, I only want to know if it went through" asks for a lookup
NO_REFUND_RE = re.compile(
    r"\b(?:don'?t|do not|not|no need to|never|without|rather than|instead of)\s+(?:\w+\s+){0,2}"
    r"(?:refund|reimburse)\w*",
    re.I,
)
HUMAN_RE = re.compile(
    r"\b(human|real person|live (agent|person)|speak (to|with) (an? )?(agent|someone|person|manager)|"
    r"talk (to|with) (an? )?(agent|someone|person|manager)|representative|escalate)\b",
    re.I,
)

# small talk: the WHOLE message is a greeting, thanks, goodbye, an acknowledgement or "who are you"
_POLITE = (
    r"(?:please|again|so much|a lot|very much|a bunch|all|there|team|guys|folks|everyone|friend|:\)|!+|\.+)"
)
SMALLTALK: dict[str, re.Pattern[str]] = {
    "greeting": re.compile(
        r"^(hi|hello|hey|hiya|howdy|yo|greetings|good (morning|afternoon|evening|day)|hola|bonjour|hallo)"
        rf"(\s+{_POLITE})*(\s*,?\s*how are you( doing)?( today)?)?$",
        re.I,
    ),
    "thanks": re.compile(
        r"^((ok(ay)?|great|perfect|awesome|cool|nice|got it|sounds good|alright)[,!. ]*)?"
        rf"(thanks?|thank you|thx|ty|cheers|much appreciated|appreciate it)(\s+{_POLITE})*$",
        re.I,
    ),
    "goodbye": re.compile(
        r"^((ok(ay)?|thanks?)[,!. ]*)?(bye|goodbye|see you|see ya|have a (nice|good) day)"
        rf"(\s+{_POLITE})*$",
        re.I,
    ),
    "ack": re.compile(
        r"^(ok(ay)?|k|got it|understood|alright|great|perfect|cool|sounds good|noted)[!. ]*$", re.I
    ),
    "identity": re.compile(
        r"^(who|what) are you\??$|^are you (a )?(bot|robot|human|real|an? ai)\??$|^what can you (do|help( me)? with)\??$",
        re.I,
    ),
}


def smalltalk_kind(question: str) -> str | None:
    """``greeting | thanks | goodbye | ack | identity`` when the message is only small talk, else None."""
    text = " ".join(question.strip().split()).rstrip("?!. ")
    text = re.sub(r"[,!.]+$", "", text)
    if not text or len(text) > 60:
        return None
    for kind, pattern in SMALLTALK.items():
        if pattern.match(text) or pattern.match(text + "?"):
            return kind
    return None


class Plan(BaseModel):
    route: Route
    reason: str
    calls: list[ToolCall] = Field(default_factory=list)
    usage: dict[str, float] | None = None
    prompt_ref: str | None = None


def plan_deterministic(
    question: str, entities: dict[str, list[str]], triage: dict[str, Any] | None, *, smalltalk: bool = True
) -> Plan:
    """``smalltalk=False`` (tickets) never answers with small talk."""
    queue = str((triage or {}).get("queue") or "")
    kind = smalltalk_kind(question) if smalltalk else None
    if kind is not None:
        return Plan(route="smalltalk", reason=f"smalltalk:{kind}")
    if HUMAN_RE.search(question):
        return Plan(route="escalate", reason="asked_for_human")
    charges = entities.get("charge_ids", [])
    calls: list[ToolCall] = []
    # the customer's own words ask for the money back; a "refunds" triage queue alone does not (a
    # "did her payment go through?" ticket was sent there and got a refund prepared)
    if charges and REFUND_RE.search(question) and not NO_REFUND_RE.search(question):
        calls.append(ToolCall(name="get_charge", args={"charge_id": charges[0]}))
        calls.append(ToolCall(name="create_refund", args={"charge_id": charges[0]}))
        return Plan(route="tool", reason="refund_request", calls=calls)
    calls += [
        ToolCall(name="get_dispute", args={"dispute_id": d}) for d in entities.get("dispute_ids", [])[:3]
    ]
    calls += [ToolCall(name="get_charge", args={"charge_id": c}) for c in charges[:3]]
    calls += [
        ToolCall(name="lookup_customer", args={"customer_id": c})
        for c in entities.get("customer_ids", [])[:2]
    ]
    if not calls:
        calls += [ToolCall(name="lookup_customer", args={"email": e}) for e in entities.get("emails", [])[:2]]
    if calls:
        return Plan(route="tool", reason="record_lookup", calls=calls)
    return Plan(route="answer", reason=f"docs_question{':' + queue if queue else ''}")


def _unmask(value: Any, kept: dict[str, str]) -> Any:
    if isinstance(value, str):
        for placeholder, original in kept.items():
            value = value.replace(placeholder, original)
    return value


def plan_native(
    question: str, history: list[dict[str, str]], entities: dict[str, list[str]], deps: AgentDeps
) -> Plan:
    from deskpilot import llm

    prompt = deps.prompt("tool_plan")
    messages = [*prompt.render(company=deps.config.agent_company), *history]
    reply = llm.chat(
        messages,
        tools=openai_tools(deps.permissions),
        tool_choice="auto",
        # litellm sends tool calls through its MCP bridge unless told not to; that bridge needs
        # the optional `mcp` package, which deskpilot neither uses nor installs
        _skip_mcp_handler=True,
        **deps.llm_kwargs("plan"),
    )
    emails = {f"[EMAIL_{i}]": e for i, e in enumerate(entities.get("emails", []), start=1)}
    calls: list[ToolCall] = []
    route: Route = "answer"
    reason = "model_chose_docs"
    for raw in reply.extra.get("tool_calls", []):
        fn = raw.get("function") or {}
        try:
            args = json.loads(fn.get("arguments") or "{}")
        except json.JSONDecodeError:
            continue
        call = ToolCall(name=str(fn.get("name")), args={k: _unmask(v, emails) for k, v in args.items()})
        try:
            validate_call(call, deps.permissions)
        except ValueError:
            continue
        if call.name == "escalate_to_human":
            return Plan(
                route="escalate", reason="model_escalated", usage=usage_of(reply), prompt_ref=prompt.ref
            )
        if call.name == "search_docs":
            continue
        if call.name == "create_refund" and call.args.get("charge_id") not in entities.get("charge_ids", []):
            continue  # money only for an id the customer wrote
        calls.append(call)
    if calls:
        route, reason = "tool", "model_tool_calls"
        if any(c.name == "create_refund" for c in calls):
            charge = next(c.args["charge_id"] for c in calls if c.name == "create_refund")
            if not any(c.name == "get_charge" and c.args.get("charge_id") == charge for c in calls):
                calls.insert(0, ToolCall(name="get_charge", args={"charge_id": charge}))
            reason = "refund_request"
    return Plan(route=route, reason=reason, calls=calls, usage=usage_of(reply), prompt_ref=prompt.ref)
