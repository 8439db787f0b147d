"""ticket: the last step of a ticket run — the draft reply a human agent reviews, and whether it
needs one (``needs_human``).

The draft is what ``draft``/``ground`` composed and verified for the ticket (the same composition
and checks as a chat answer), minus sentences that restate the customer's own message or are
markdown debris. ``needs_human`` is triage's flag OR any trust problem (:mod:`agent.nodes.ticket_trust`).
A draft that cannot be trusted does not guess: with nothing verified it says what is missing and
that a specialist will follow up; with a partial answer it keeps the verified sentences and says
the rest will be checked by a person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langgraph.runtime import Runtime

from agent.context import AgentDeps, for_run
from agent.grounding import cited
from agent.nodes.ticket_trust import (
    answer_units,
    echoes_ticket,
    garbled,
    join_units,
    rejected_claims,
    renumber,
    sensitive,
    tabular,
)
from agent.state import AgentState
from deskpilot.runconfig import RunConfig

GREETING = "Thank you for contacting us."
REFUSED = (
    "Thank you for contacting us. A specialist will review your request personally and follow up with you."
)
SENSITIVE_NOTE = {
    "queue:fraud": "Because this concerns the security of your account or payments, a specialist will "
    "review your case personally and follow up with you.",
    "priority:P1": "Because this is urgent, a specialist will review your case right away and follow up "
    "with you.",
}
SENSITIVE_DEFAULT = (
    "Because of the nature of this request, a specialist will review your case personally and follow up "
    "with you."
)
PARTIAL_NOTE = (
    "I could not confirm every point of your request in our documentation, so a specialist will check "
    "the rest and follow up with you."
)


def missing_note(subject: str) -> str:
    topic = " ".join(subject.split())[:80].strip(" .?!")
    what = f'an answer to your question about "{topic}"' if topic else "an answer to your question"
    return (
        f"{GREETING} I could not find {what} in our documentation, so rather than guess, a specialist "
        "will review your request and follow up with you."
    )


def make_ticket(deps: AgentDeps) -> Callable[..., dict[str, Any]]:
    def ticket(state: AgentState, runtime: Runtime[RunConfig] | None = None) -> dict[str, Any]:
        s = for_run(deps, runtime).config
        triage = state.get("triage")
        reasons: list[str] = []
        if (triage or {}).get("needs_human"):
            reasons.append("triage")
        if state.get("injection"):
            return _out(state, REFUSED, [], "refused", [*reasons, "injection"])
        why = sensitive(triage, state.get("question", ""))
        if why:
            reasons.append(f"sensitive:{why}")
        language = (triage or {}).get("language") or "und"
        if language not in ("en", "und"):  # the knowledge base and the draft are English
            reasons.append(f"language:{language}")
        sentences, citations = _verified(state, reasons)
        if not sentences:
            reasons.append("no_verified_answer")
            return _out(state, missing_note(state.get("subject", "")), [], "abstained", reasons)
        if state.get("evidence", 0.0) < s.ticket_min_evidence:
            reasons.append("low_evidence")
        if state.get("coverage", 1.0) < s.ticket_min_coverage:
            reasons.append("low_coverage")
        hits = state.get("retrieved", [])[: s.agent_context_k]
        if rejected_claims(state.get("draft", ""), sentences, hits, s.agent_max_sentences):
            reasons.append("rejected_sentences")
        text = join_units(sentences)
        if why:
            text += "\n\n" + SENSITIVE_NOTE.get(why, SENSITIVE_DEFAULT)
        elif {"low_evidence", "low_coverage", "rejected_sentences", "echo", "garbled", "table"} & set(
            reasons
        ):
            text += "\n\n" + PARTIAL_NOTE
        mode = state.get("answer_mode") or "extractive"
        return _out(state, text, citations, mode, reasons)

    return ticket


def _verified(state: AgentState, reasons: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
    """The draft's verified sentences without echoes of the ticket and markdown debris."""
    if state.get("answer_mode") == "abstained" or not state.get("answer"):
        return [], []
    citations = list(state.get("citations") or [])
    hits = state.get("retrieved") or []
    by_source: dict[str, str] = {}
    for h in hits:  # every chunk of a source: a citation names the source, not the chunk
        source = str(h.get("source") or "")
        by_source[source] = f"{by_source.get(source, '')}\n{h.get('text', '')}"
    ticket = f"{state.get('subject', '')}\n{state.get('body', '')}"
    kept = []
    for unit in answer_units(state.get("answer", "")):
        lead = unit.split("\n", 1)[0]
        numbers = [n for n in cited(lead) if 1 <= n <= len(citations)]
        passage = " ".join(by_source.get(str(citations[n - 1].get("source") or ""), "") for n in numbers)
        if garbled(unit):
            reasons.append("garbled")
        elif echoes_ticket(lead, ticket, passage):
            reasons.append("echo")
        else:
            if tabular(unit):
                reasons.append("table")
            kept.append(unit)
    reasons[:] = list(dict.fromkeys(reasons))
    return renumber(kept, citations)


def _out(
    state: AgentState, text: str, citations: list[dict[str, Any]], mode: str, reasons: list[str]
) -> dict[str, Any]:
    needs_human = bool(reasons)
    return {
        "answer": text,
        "citations": citations,
        "answer_mode": mode,
        "escalated": needs_human,
        "ticket": {
            "needs_human": needs_human,
            "reasons": list(dict.fromkeys(reasons)),
            "answerable": state.get("answerable"),
        },
    }


def ticket_aware(
    route: Callable[[AgentState], str],
) -> Callable[[AgentState], Any]:
    """Wrap a chat edge function: in ticket mode, where chat would escalate or end, go to ``ticket``."""

    def gate(state: AgentState) -> Any:
        dest = route(state)
        if state.get("mode") == "ticket" and dest in ("escalate", "__end__"):
            return "ticket"
        return dest

    gate.__name__ = f"ticket_aware_{getattr(route, '__name__', 'edge')}"
    return gate


def ticket_after_retrieve(deps: AgentDeps, chat: Callable[..., str]) -> Callable[..., Any]:
    """Chat's abstain rule for chat turns; a ticket is drafted whenever a passage is close enough
    (``agent_min_evidence``). Word coverage is not a gate for a ticket: a whole ticket holds
    greetings, context and story that no passage contains, so the ticket node judges it instead
    (``ticket_min_coverage``) and a weak draft goes to a human rather than being withheld."""

    def after_retrieve(state: AgentState, runtime: Runtime[RunConfig] | None = None) -> Any:
        if state.get("mode") != "ticket":
            return chat(state, runtime)
        min_evidence = for_run(deps, runtime).config.agent_min_evidence
        ok = state.get("retrieved") and state.get("evidence", 0.0) >= min_evidence
        return "draft" if ok else "ticket"

    return after_retrieve


def after_triage(state: AgentState) -> Literal["route", "retrieve"]:
    """A ticket is drafted from the knowledge base (no tools, no chat escalation): straight to retrieve."""
    return "retrieve" if state.get("mode") == "ticket" else "route"
