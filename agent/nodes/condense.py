"""condense: resolve a follow-up against the thread into a standalone retrieval query.

Runs on the answer route, before ``retrieve``. ``state["question"]`` stays the user's own words
(the answer prompt, the entailment checks and the transcript use it); ``state["query"]`` is what
retrieval and unit selection search. ``run.agent_condense``: ``rules`` (:mod:`agent.followup`, no
model: the local 135M model cannot rewrite reliably), ``llm`` (the versioned ``condense`` prompt;
a failed or empty reply falls back to the rules), ``auto`` (rules with the local model, else the
prompt) or ``off`` (every turn is searched as typed). A turn without earlier turns, and a ticket,
is never rewritten.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from langgraph.runtime import Runtime

from agent.context import AgentDeps, for_run
from agent.followup import Turn, history_messages, standalone_query, turns_from_messages
from agent.state import AgentState, usage_of
from deskpilot.exceptions import ModelError
from deskpilot.runconfig import RunConfig

log = logging.getLogger(__name__)

MAX_QUERY_CHARS = 400


def condense_mode(run: RunConfig) -> str:
    if run.agent_condense == "auto":
        return "rules" if run.local_model else "llm"
    return run.agent_condense


def count_tokens(model: str) -> Callable[[str], int]:
    """Tokens of a text for ``model`` (LiteLLM's counter; its default tokenizer for unknown models)."""
    import litellm

    def count(text: str) -> int:
        return int(litellm.token_counter(model=model, text=text))

    return count


def prior_turns(run: RunConfig, state: AgentState) -> list[dict[str, str]]:
    """The thread's earlier turns as chat messages within ``run.agent_history_tokens``."""
    turns = turns_from_messages(state.get("messages", []))
    if not turns or run.agent_history_tokens <= 0:
        return []
    return history_messages(turns, run.agent_history_tokens, count_tokens(run.llm_model))


def _llm_query(deps: AgentDeps, question: str, turns: list[Turn]) -> tuple[str, dict[str, Any]]:
    """(standalone question from the condense prompt, state updates for usage and prompt refs)."""
    from deskpilot import llm

    s = deps.config
    history = history_messages(turns, max(s.agent_history_tokens, 200), count_tokens(s.llm_model))
    text = "\n".join(f"{m['role'].capitalize()}: {m['content']}" for m in history) or "(none)"
    prompt = deps.prompt("condense")
    messages = prompt.render(company=s.agent_company, history=text, question=question)
    reply = llm.chat(messages, **deps.llm_kwargs("condense", max_tokens=96))
    line = next((ln.strip() for ln in reply.text.splitlines() if ln.strip()), "")
    line = line.removeprefix("Standalone question:").strip().strip('"')
    return line[:MAX_QUERY_CHARS], {"usage": usage_of(reply), "prompt_refs": [prompt.ref]}


def make_condense(deps: AgentDeps) -> Callable[..., dict[str, Any]]:
    def condense(state: AgentState, runtime: Runtime[RunConfig] | None = None) -> dict[str, Any]:
        d = for_run(deps, runtime)
        question = state["question"]
        mode = condense_mode(d.config)
        turns = turns_from_messages(state.get("messages", []))
        if mode == "off" or not turns or state.get("mode") == "ticket":
            return {"query": question, "followup": False}
        out: dict[str, Any] = {}
        query = ""
        if mode == "llm":
            try:
                query, out = _llm_query(d, question, turns)
            except ModelError as exc:  # degrade to the rules, never fail the turn
                log.warning("condense model call failed, using the rules: %s", exc.message)
        if not query:
            query = standalone_query(question, turns)
        return {**out, "query": query, "followup": query.strip() != question.strip()}

    return condense
