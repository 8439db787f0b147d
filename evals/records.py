"""What one eval case records (per-case cache file and a ``per_case`` row of results.json)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from evals.dataset import GoldenCase
from evals.decision_schema import DecisionExpectation, DecisionObserved, observe_chat

ABSTAIN_MODES = frozenset({"abstained", "escalated", "refused"})


class RetrievedContext(BaseModel):
    source: str
    text: str
    score: float = 0.0
    heading: str = ""
    also_in: list[str] = Field(default_factory=list)


class CaseRecord(BaseModel):
    id: str
    case_hash: str
    config_hash: str
    question: str
    reference_answer: str
    reference_contexts: list[str] = Field(default_factory=list)
    source_docs: list[str] = Field(default_factory=list)
    category: str
    turn: int = Field(default=0, description="0: a single case; n: turn n of a multi-turn case")
    query: str = Field(default="", description="what retrieval searched, when not the question itself")
    expected_behavior: str = "answer"
    answer: str = ""
    retrieved: list[RetrievedContext] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list, description="cited sources, in order")
    cited_passages: list[str] = Field(
        default_factory=list, description="text of the passage each citation points at, in citation order"
    )
    route: str = ""
    predicted_category: str | None = Field(default=None, description="triage queue, else the route")
    answer_mode: str = ""
    escalated: bool = False
    abstained: bool = False
    latency_s: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    llm_calls: int = 0
    prompt_version: str = ""
    error: str | None = Field(default=None, description="set when the agent failed on this case")
    scores: dict[str, float | None] = Field(default_factory=dict)
    verdict: str | None = Field(default=None, description="correct | incomplete | wrong | no_answer")
    verdict_source: str | None = Field(default=None, description="'label' (audit) or 'proxy'")
    label_status: str = Field(default="none", description="audit label: matched | stale | none")
    label_reason: str = ""
    label_split: str | None = Field(default=None, description="tune | heldout, of the matched label")
    proxy_verdict: str | None = None
    proxy_reasons: list[str] = Field(default_factory=list)
    expected_decisions: DecisionExpectation | None = Field(
        default=None, description="the case's stated decisions (evals.decision_schema), if any"
    )
    observed: DecisionObserved | None = Field(default=None, description="what the agent decided")

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def contexts(self) -> list[str]:
        return [r.text for r in self.retrieved]

    @property
    def answered(self) -> bool:
        return self.ok and not self.abstained and bool(self.answer.strip())


def base_record(case: GoldenCase, config_hash: str) -> dict[str, Any]:
    return {
        "id": case.id,
        "case_hash": case.case_hash,
        "config_hash": config_hash,
        "question": case.question,
        "reference_answer": case.reference_answer,
        "reference_contexts": case.reference_contexts,
        "source_docs": case.source_docs,
        "category": case.category,
        "turn": int(case.extra.get("turn") or 0),
        "expected_behavior": case.expected_behavior,
        "expected_decisions": case.expectation() if case.states_decisions() else None,
    }


def cited_passages(result: Any) -> list[str]:
    """For each citation, the text of the retrieved hit it points at (same source and heading;
    the first hit of that source when the heading does not match; "" when none)."""
    out: list[str] = []
    for c in result.citations:
        same = [h for h in result.retrieved if h.source == c.source or c.source in (h.also_in or [])]
        exact = [h for h in same if not c.heading or h.heading == c.heading]
        hit = (exact or same or [None])[0]
        out.append(hit.text if hit is not None else "")
    return out


def record_from_result(case: GoldenCase, config_hash: str, result: Any) -> CaseRecord:
    """An ``agent.models.AgentResult`` → the recorded row."""
    triage = result.triage or {}
    queue = triage.get("queue") if isinstance(triage, dict) else None
    mode = str(result.answer_mode or "")
    abstained = bool(result.escalated) or mode in ABSTAIN_MODES
    usage = result.usage
    return CaseRecord(
        **base_record(case, config_hash),
        answer=result.answer or "",
        retrieved=[
            RetrievedContext(
                source=h.source, text=h.text, score=float(h.score), heading=h.heading, also_in=list(h.also_in)
            )
            for h in result.retrieved
        ],
        citations=[c.source for c in result.citations],
        cited_passages=cited_passages(result),
        route=result.route,
        predicted_category=queue or result.route,
        answer_mode=mode,
        query=q if (q := str(getattr(result, "query", "") or "")) != case.question else "",
        escalated=bool(result.escalated),
        abstained=abstained,
        latency_s=float(result.latency_s),
        prompt_tokens=int(usage.prompt_tokens),
        completion_tokens=int(usage.completion_tokens),
        cost_usd=float(usage.cost_usd),
        llm_calls=int(usage.llm_calls),
        prompt_version=result.prompt_version or "",
        observed=observe_chat(result),
    )


def failed_record(case: GoldenCase, config_hash: str, error: str, latency_s: float) -> CaseRecord:
    return CaseRecord(**base_record(case, config_hash), error=error[:500], latency_s=latency_s)
