"""The support agent graph.

START → guard ─┬─ (injection) ────────────────────────────────────────────▶ escalate → END
               └─ triage → route ─┬─ answer: retrieve ─┬─ draft → ground ─┬─▶ END
                                  │                    └─ (weak evidence) ─┴─▶ escalate
                                  ├─ tool: tools ─┬─ approve (interrupt) ─┬─▶ respond → END
                                  │               └───────────────────────┘
                                  └─ escalate
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from agent.context import AgentDeps
from agent.nodes.approve import make_approve
from agent.nodes.draft import make_draft
from agent.nodes.escalate import make_escalate
from agent.nodes.ground import after_ground, make_ground
from agent.nodes.guard import after_guard, guard
from agent.nodes.respond import respond
from agent.nodes.retrieve import make_after_retrieve, make_retrieve
from agent.nodes.route import after_route, make_route
from agent.nodes.tools import after_tools, make_tools
from agent.nodes.triage import make_triage
from agent.state import AgentState


def build_graph(*, checkpointer: Any, deps: AgentDeps) -> Any:
    """Compile the graph; ``checkpointer`` is any LangGraph saver (InMemorySaver in tests)."""
    g: Any = StateGraph(AgentState)  # node callables are typed on AgentState; keep mypy out of its generics
    g.add_node("guard", guard)
    g.add_node("triage", make_triage(deps))
    g.add_node("route", make_route(deps))
    g.add_node("retrieve", make_retrieve(deps))
    g.add_node("draft", make_draft(deps))
    g.add_node("ground", make_ground(deps))
    g.add_node("tools", make_tools(deps))
    g.add_node("approve", make_approve(deps))
    g.add_node("respond", respond)
    g.add_node("escalate", make_escalate(deps))

    g.add_edge(START, "guard")
    g.add_conditional_edges("guard", after_guard, ["triage", "escalate"])
    g.add_edge("triage", "route")
    g.add_conditional_edges("route", after_route, ["retrieve", "tools", "escalate"])
    g.add_conditional_edges("retrieve", make_after_retrieve(deps), ["draft", "escalate"])
    g.add_edge("draft", "ground")
    g.add_conditional_edges("ground", after_ground, ["escalate", END])
    g.add_conditional_edges("tools", after_tools, ["approve", "respond"])
    g.add_edge("approve", "respond")
    g.add_edge("respond", END)
    g.add_edge("escalate", END)
    return g.compile(checkpointer=checkpointer)
