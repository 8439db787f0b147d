"""Ticket cases of a golden set: run through the ticket entry mode of the graph, the one the
webhook worker uses (``tickets.worker.run_ticket`` → ``AgentService.assist_ticket``), and recorded
like a chat case: the draft is the answer, ``needs_human`` the handoff, triage's queue and priority
the ticket's decisions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from evals.dataset import GoldenCase
from evals.decision_schema import observe_ticket
from evals.records import CaseRecord, RetrievedContext, base_record, cited_passages

TICKET_ABSTAIN_MODES = frozenset({"abstained", "refused"})


@dataclass(frozen=True)
class TicketRun:
    """What the eval's ask function returns for a ticket case: the ``TicketAssist`` and its time."""

    assist: Any
    latency_s: float


def is_ticket_result(result: Any) -> bool:
    return isinstance(result, TicketRun)


def assist_case(service: Any, case: GoldenCase, *, tenant: str, collection: str, run: Any) -> TicketRun:
    """One ticket case through ``AgentService.assist_ticket`` (the worker's call), one-shot."""
    start = time.perf_counter()
    assist = service.assist_ticket(
        case.subject or "",
        case.body or "",
        tenant=tenant,
        collection=collection,
        ticket_id=f"eval-{case.case_hash}",
        run=run,
    )
    return TicketRun(assist, round(time.perf_counter() - start, 4))


def record_from_ticket(case: GoldenCase, config_hash: str, ticket: TicketRun) -> CaseRecord:
    """A ticket run → the recorded row. A draft that says nothing was verified (abstained) or an
    injection refused counts as an abstention; ``escalated`` is the ticket's ``needs_human``."""
    assist = ticket.assist
    triage = assist.triage or {}
    mode = str(assist.answer_mode or "")
    usage = assist.usage
    retrieved = list(getattr(assist, "retrieved", None) or [])
    return CaseRecord(
        **base_record(case, config_hash),
        answer=assist.draft_reply or "",
        retrieved=[
            RetrievedContext(
                source=h.source, text=h.text, score=float(h.score), heading=h.heading, also_in=list(h.also_in)
            )
            for h in retrieved
        ],
        citations=[c.source for c in assist.citations],
        cited_passages=cited_passages(assist),
        route="ticket",
        predicted_category=triage.get("queue") or "ticket",
        answer_mode=mode,
        escalated=bool(assist.needs_human),
        abstained=mode in TICKET_ABSTAIN_MODES or not (assist.draft_reply or "").strip(),
        latency_s=ticket.latency_s,
        prompt_tokens=int(usage.prompt_tokens),
        completion_tokens=int(usage.completion_tokens),
        cost_usd=float(usage.cost_usd),
        llm_calls=int(usage.llm_calls),
        prompt_version=assist.prompt_version or "",
        observed=observe_ticket(assist),
    )
