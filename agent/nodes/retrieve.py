"""retrieve: hybrid search in the tenant's collection; instructions inside passages are dropped;
the evidence score (best question↔passage cosine) decides between drafting and abstaining."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from agent.context import AgentDeps, hit_to_dict
from agent.evidence import coverage
from agent.guard import strip_instructions
from agent.state import AgentState


def make_retrieve(deps: AgentDeps) -> Callable[[AgentState], dict[str, Any]]:
    s = deps.settings

    def retrieve(state: AgentState) -> dict[str, Any]:
        raw = deps.search(
            state["question"],
            collection=state.get("collection"),
            tenant=state["tenant"],
            k=s.retrieval_k,
            mode=s.retrieval_mode,
        )
        hits = []
        for hit in raw:
            data = hit_to_dict(hit)
            data["text"] = strip_instructions(data["text"])
            if data["text"].strip():
                hits.append(data)
        top = hits[: s.agent_context_k]
        collection = state.get("collection") or s.collection
        question = state["question"]
        if deps.spell is not None and top:  # judge the question search saw, typos corrected
            question = deps.spell(question, collection, state["tenant"])
        evidence = deps.grounder.evidence(question, top)
        cover = 1.0
        if deps.doc_freq is not None and top:
            cover = coverage(question, top, deps.doc_freq(collection, state["tenant"]))
        return {"retrieved": hits, "evidence": round(evidence, 4), "coverage": round(cover, 4)}

    return retrieve


def make_after_retrieve(deps: AgentDeps) -> Callable[[AgentState], Literal["draft", "escalate"]]:
    def after_retrieve(state: AgentState) -> Literal["draft", "escalate"]:
        s = deps.settings
        if (
            state.get("retrieved")
            and state.get("evidence", 0.0) >= s.agent_min_evidence
            and state.get("coverage", 1.0) >= s.agent_min_coverage
        ):
            return "draft"
        return "escalate"

    return after_retrieve
