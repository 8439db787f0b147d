"""Cost and tokens per outcome (issue 16): what an answer, a resolved ticket and an avoided
escalation cost, not only the run's total.

Each figure is the run's total spend over the successful cases divided by how many of that
outcome the run produced (``None`` when there were none), so a configuration that spends the
same but resolves fewer gets a higher figure:

- ``cost_per_answer_usd`` / ``tokens_per_answer``: outcome = a chat case answered (not abstained,
  escalated or refused, with a non-empty answer);
- ``cost_per_resolved_ticket_usd``: outcome = a ticket case whose draft went out without a
  person (``needs_human`` false);
- ``cost_per_escalation_avoided_usd``: outcome = an in-scope case (``expected_behavior`` answer)
  answered without escalating.

The local model costs 0; hosted models are priced by LiteLLM's price map when the call is made
(``CaseRecord.cost_usd``).
"""

from __future__ import annotations

from evals.records import ABSTAIN_MODES, CaseRecord


def _answered(rec: CaseRecord) -> bool:
    return rec.answer_mode not in ABSTAIN_MODES and bool(rec.answer.strip()) and not rec.escalated


def _is_ticket(rec: CaseRecord) -> bool:
    return rec.observed is not None and rec.observed.ticket_needs_human is not None


def _per(total: float, n: int) -> float | None:
    return round(total / n, 8) if n else None


def cost_metrics(records: list[CaseRecord]) -> dict[str, float | None]:
    ok = [r for r in records if r.ok]
    cost = sum(r.cost_usd for r in ok)
    tokens = float(sum(r.prompt_tokens + r.completion_tokens for r in ok))
    answers = sum(1 for r in ok if not _is_ticket(r) and _answered(r))
    resolved = sum(1 for r in ok if _is_ticket(r) and r.observed and r.observed.ticket_needs_human is False)
    avoided = sum(1 for r in ok if not _is_ticket(r) and r.expected_behavior == "answer" and _answered(r))
    return {
        "cost_per_answer_usd": _per(cost, answers),
        "tokens_per_answer": _per(tokens, answers),
        "cost_per_resolved_ticket_usd": _per(cost, resolved),
        "cost_per_escalation_avoided_usd": _per(cost, avoided),
    }
