"""retrieve: hybrid search in the tenant's collection; instructions inside passages are dropped;
the abstain decision (draft or escalate) is made from retrieval signals alone.

With ``run.agent_abstain == "classifier"`` and a model file (:mod:`agent.abstain`), the
calibrated P(answerable) of the question is compared with the model's threshold; otherwise (or
when the model was fitted for another retrieval mode or embedder) the evidence and coverage
thresholds of the run configuration decide, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from langgraph.runtime import Runtime

from agent.abstain import AbstainModel, centroid_cosine, chunk_cosine, features, load_model
from agent.context import AgentDeps, for_run, hit_to_dict
from agent.evidence import coverage
from agent.guard import strip_instructions
from agent.state import AgentState
from deskpilot.runconfig import RunConfig

log = logging.getLogger(__name__)


def abstain_model(settings: RunConfig) -> AbstainModel | None:
    """The classifier the run asks for, or None (threshold rule)."""
    if settings.agent_abstain != "classifier":
        return None
    path = settings.agent_abstain_model
    model = load_model(Path(path) if path else None)
    if model is not None and model.retrieval_mode != settings.retrieval_mode:
        log.warning(
            "abstain model was fitted for retrieval mode %r, not %r: using thresholds",
            model.retrieval_mode,
            settings.retrieval_mode,
        )
        return None
    return model


def _embedder_name() -> str:
    from retrieval.embedder import get_embedder

    return get_embedder().name


def gather(
    deps: AgentDeps, question: str, *, collection: str | None, tenant: str, evidence: bool = True
) -> tuple[list[dict[str, Any]], dict[str, float], dict[str, float] | None]:
    """(hits with instructions stripped, {"evidence", "coverage"}, the abstain features or None).

    The features (:func:`agent.abstain.features`) are None when the stored passage vectors are
    not available (a search function not backed by the index). ``bench/abstain.py`` calls this
    with ``evidence=False`` (the sentence-level evidence is not a feature and costs the most)."""
    s = deps.config
    raw = deps.search(
        question,
        collection=collection,
        tenant=tenant,
        k=s.retrieval_k,
        mode=s.retrieval_mode,
        reranker=s.retrieval_rerank,
        dedupe=s.retrieval_dedupe,
        spelling=s.retrieval_spelling,
    )
    hits = []
    for hit in raw:
        data = hit_to_dict(hit)
        data["text"] = strip_instructions(data["text"])
        if data["text"].strip():
            hits.append(data)
    top = hits[: s.agent_context_k]
    collection = collection or deps.settings.collection
    if (
        deps.spell is not None and s.retrieval_spelling and top
    ):  # judge the question search saw, typos corrected
        question = deps.spell(question, collection, tenant)
    signals = {"evidence": deps.grounder.evidence(question, top) if evidence else 0.0, "coverage": 1.0}
    df = deps.doc_freq(collection, tenant) if deps.doc_freq is not None else None
    if df is not None and top:
        signals["coverage"] = coverage(question, top, df)
    qvec = deps.grounder.embed([question])[0]
    dense = chunk_cosine(collection, [h["id"] for h in top], qvec) if top else 0.0
    if dense is None:
        return hits, signals, None
    values = features(
        question,
        hits,
        dense=dense,
        centroid=centroid_cosine(collection, tenant, qvec),
        coverage=signals["coverage"],
        doc_freq=df,
        mode=s.retrieval_mode,
        context_k=s.agent_context_k,
    )
    return hits, signals, values


def make_retrieve(deps: AgentDeps) -> Callable[..., dict[str, Any]]:
    def retrieve(state: AgentState, runtime: Runtime[RunConfig] | None = None) -> dict[str, Any]:
        d = for_run(deps, runtime)
        model = abstain_model(d.config)
        hits, signals, values = gather(
            d,
            state.get("query") or state["question"],
            collection=state.get("collection"),
            tenant=state["tenant"],
        )
        out: dict[str, Any] = {
            "retrieved": hits,
            "evidence": round(signals["evidence"], 4),
            "coverage": round(signals["coverage"], 4),
        }
        if model is not None:  # -1: no features or another embedder than in training; thresholds decide
            if values is None or not model.fits(_embedder_name()):
                out["answerable"] = -1.0
            else:
                out["answerable"] = round(model.probability(values), 4) if hits else 0.0
        return out

    return retrieve


def make_after_retrieve(deps: AgentDeps) -> Callable[..., Literal["draft", "escalate"]]:
    def after_retrieve(
        state: AgentState, runtime: Runtime[RunConfig] | None = None
    ) -> Literal["draft", "escalate"]:
        s = for_run(deps, runtime).config
        model = abstain_model(s)
        if not state.get("retrieved"):
            return "escalate"
        answerable = state.get("answerable", -1.0)
        if model is not None and answerable >= 0:
            return "draft" if answerable >= model.threshold else "escalate"
        if (
            state.get("evidence", 0.0) >= s.agent_min_evidence
            and state.get("coverage", 1.0) >= s.agent_min_coverage
        ):
            return "draft"
        return "escalate"

    return after_retrieve
