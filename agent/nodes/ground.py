"""grounding check: keep the verified draft; if no sentence survived but retrieval is confident,
answer extractively (composed passage units, cited by construction); otherwise abstain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from langchain_core.messages import AIMessage
from langgraph.config import get_stream_writer
from langgraph.runtime import Runtime

from agent.context import AgentDeps, for_run
from agent.nodes.draft import SentenceGate, searched_question
from agent.readout import answer_picks, answer_scope
from agent.state import AgentState
from deskpilot.runconfig import RunConfig


def make_ground(deps: AgentDeps) -> Callable[..., dict[str, Any]]:
    def ground(state: AgentState, runtime: Runtime[RunConfig] | None = None) -> dict[str, Any]:
        d = for_run(deps, runtime)
        s = d.config
        answer = state.get("answer", "")
        citations = state.get("citations", [])
        if answer:
            mode = state.get("answer_mode") or "generated"
        else:
            collection = state.get("collection") or d.settings.collection
            picks, hits = answer_picks(
                d.grounder,
                searched_question(d, state),
                state["retrieved"][: min(3, s.agent_context_k)],
                collection,
                scope=answer_scope(s, state),
                max_units=s.agent_max_sentences,
                min_relevance=s.agent_min_relevance,
            )
            gate = SentenceGate(d, hits, s.agent_max_sentences, get_stream_writer())
            for pick in picks:
                gate.emit(pick.unit, pick.passage)
            answer, citations = gate.answer, gate.citations
            mode = "extractive" if answer else "abstained"
        if mode == "abstained":
            return {"answer_mode": "abstained", "route_reason": "unsupported_draft"}
        return {
            "answer": answer,
            "citations": citations,
            "answer_mode": mode,
            "messages": [AIMessage(content=answer, additional_kwargs={"citations": citations, "mode": mode})],
        }

    return ground


def after_ground(state: AgentState) -> Literal["escalate", "__end__"]:
    return "escalate" if state.get("answer_mode") == "abstained" else "__end__"
