"""Agent-assist for tickets: triage + a cited draft reply for a human agent to edit.

Same guards and checks as chat: PII is redacted before the model sees the ticket; passages
lose instruction-like sentences; every draft sentence must be supported by the passage it
cites (else the extractive fallback); weak evidence gives a holding reply and escalates.
"""

from __future__ import annotations

from agent.context import AgentDeps, hit_to_dict
from agent.grounding import split_sentences
from agent.guard import check_injection, redact, strip_instructions
from agent.models import Citation, TicketAssist, Usage
from agent.nodes.draft import SentenceGate, numbered_context
from agent.state import usage_of

HOLDING = (
    "Thank you for reaching out. A specialist is reviewing your request and will follow up with you shortly."
)


def assist_ticket(
    deps: AgentDeps, subject: str, body: str, *, tenant: str, collection: str | None = None
) -> TicketAssist:
    from deskpilot import llm
    from deskpilot.prompts import load_prompt

    s = deps.settings
    redacted = redact(f"{subject.strip()}\n\n{body.strip()}".strip())
    text = redacted.text
    triage = None
    if deps.triager is not None:
        result = deps.triager.predict(text)
        triage = result.model_dump() if hasattr(result, "model_dump") else dict(result)
    hits = []
    for raw in deps.search(
        text, collection=collection or s.collection, tenant=tenant, k=s.retrieval_k, mode=s.retrieval_mode
    ):
        hit = hit_to_dict(raw)
        hit["text"] = strip_instructions(hit["text"])
        if hit["text"].strip():
            hits.append(hit)
    hits = hits[: s.agent_context_k]
    evidence = deps.grounder.evidence(text, hits)
    flagged = check_injection(text).flagged
    needs_human = bool((triage or {}).get("needs_human"))
    prompt = load_prompt("draft_reply", 1)
    if flagged or not hits or evidence < s.agent_min_evidence:
        return TicketAssist(
            triage=triage, draft_reply=HOLDING, escalated=True, prompt_version="", answer_mode="abstained"
        )
    messages = prompt.render(
        company=s.agent_company,
        context=numbered_context(hits),
        ticket=text,
        queue=(triage or {}).get("queue") or "unknown",
        priority=(triage or {}).get("priority") or "unknown",
    )
    reply = llm.chat(messages, max_tokens=s.agent_draft_max_tokens, **deps.llm_kwargs("assist"))
    gate = SentenceGate(deps, hits, s.agent_max_sentences + 1, question=text)
    for sentence in split_sentences(reply.text):
        gate.offer(sentence)
    mode = "generated"
    if not gate.sentences:
        for sentence, n in deps.grounder.extractive(text, hits[:3], max_sentences=2):
            gate.emit(sentence, n)
        mode = "extractive" if gate.sentences else "abstained"
    draft = " ".join(gate.sentences) if gate.sentences else HOLDING
    return TicketAssist(
        triage=triage,
        draft_reply=draft,
        citations=[Citation(**c) for c in gate.citations],
        escalated=needs_human or mode == "abstained",
        prompt_version=prompt.ref,
        answer_mode=mode,
        usage=Usage.model_validate(usage_of(reply)),
    )
