"""triage: queue, priority, sentiment, language, needs_human (``triage.Triager``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.context import AgentDeps
from agent.state import AgentState


def make_triage(deps: AgentDeps) -> Callable[[AgentState], dict[str, Any]]:
    def triage(state: AgentState) -> dict[str, Any]:
        if deps.triager is None:
            return {"triage": None}
        result = deps.triager.predict(state["question"])
        data = result.model_dump() if hasattr(result, "model_dump") else dict(result)
        return {"triage": data}

    return triage
