"""respond: a deterministic answer from tool results (records, not prose from a model), each
sentence cited to the record it states."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage
from langgraph.config import get_stream_writer

from agent.state import AgentState

COLLECTION = {
    "get_charge": "charges",
    "list_charges": "charges",
    "get_dispute": "disputes",
    "lookup_customer": "customers",
    "create_refund": "refunds",
}


# ISO 4217 currencies whose minor unit is not 1/100 (amounts are in the minor unit, as the
# payment API stores them): zero-decimal (100 JPY is stored as 100) and three-decimal ones.
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])


def money(amount: int, currency: str) -> str:
    """A minor-unit amount as the customer reads it: 1500 USD → "15.00 USD", 1500 JPY → "1,500 JPY"."""
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return f"{amount:,} {code}"
    if code in THREE_DECIMAL:
        return f"{amount / 1000:,.3f} {code}"
    return f"{amount / 100:,.2f} {code}"


def _sentence(result: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    tool, data, args = result["tool"], result.get("result"), result.get("args", {})
    key = next(iter(args.values()), "") if args else ""
    if tool == "lookup_customer":  # never echo an email back into the transcript
        key = args.get("customer_id") or "the customer with that email"
    record = {
        "source": f"db:{COLLECTION.get(tool, tool)}/{key}",
        "title": f"{tool} {key}".strip(),
        "heading": "",
        "url": None,
    }
    if result.get("denied"):
        return (
            f"The refund for charge {args.get('charge_id')} was not approved, so no money was moved.",
            record,
        )
    if result.get("error"):
        return (
            f"I could not complete {tool.replace('_', ' ')} for {key or 'your request'}: {result['error']}.",
            record,
        )
    if data is None:
        return f"I could not find {key or 'that record'} in your account.", record
    if tool == "get_charge":
        text = (
            f"Charge {data['id']} is {money(data['amount'], data['currency'])}, status {data['status']}, "
            f"with {money(data['amount_refunded'], data['currency'])} refunded so far."
        )
    elif tool == "list_charges":
        if not data:
            return "There are no charges on this customer.", record
        listed = "; ".join(f"{c['id']} {money(c['amount'], c['currency'])} ({c['status']})" for c in data)
        text = f"Recent charges: {listed}."
    elif tool == "get_dispute":
        due = f", evidence due by {data['evidence_due_by']}" if data.get("evidence_due_by") else ""
        text = f"Dispute {data['id']} on charge {data['charge_id']} is {data['status']} ({data['reason'] or 'no reason given'}){due}."
    elif tool == "lookup_customer":
        text = f"Customer {data['id']} ({data['name'] or 'no name on file'}) is on file."
        record |= {"source": f"db:customers/{data['id']}", "title": f"lookup_customer {data['id']}"}
    elif tool == "create_refund":
        again = " (already issued earlier; not repeated)" if data.get("replayed") else ""
        text = f"Refund {data['id']} of {money(data['amount'], data['currency'])} for charge {data['charge_id']} is {data['status']}{again}."
        record["source"] = f"db:refunds/{data['id']}"
    else:
        return None
    return text, record


def respond(state: AgentState) -> dict[str, Any]:
    writer = get_stream_writer()
    sentences: list[str] = []
    citations: list[dict[str, Any]] = []
    for result in state.get("tool_results", []):
        made = _sentence(result)
        if made is None:
            continue
        text, record = made
        citations.append(record)
        writer({"type": "token", "text": (" " if sentences else "") + text})
        writer({"type": "citation", **record})
        sentences.append(text)
    answer = " ".join(sentences) or "I could not find anything for that request."
    return {
        "answer": answer,
        "citations": citations,
        "answer_mode": "tool",
        "messages": [AIMessage(content=answer, additional_kwargs={"citations": citations, "mode": "tool"})],
    }
