"""The support agent graph: one pipeline for chat turns and tickets (``state["mode"]``).

START → guard ─┬─ (injection) ────────────────────────────────────────────▶ escalate → END
               └─ triage → route ─┬─ answer: condense → retrieve ─┬─ draft → ground ─┬─▶ END
                                  │                               └─ (weak evidence) ─┴─▶ escalate
                                  ├─ tool: tools ─┬─ approve (interrupt) ─┬─▶ respond → END
                                  │               └───────────────────────┘
                                  └─ escalate

Ticket mode takes the same guard, triage, retrieve, draft and ground nodes, skips route (no tools)
and ends in ``ticket`` (the draft reply and its ``needs_human`` decision) wherever chat would end
or escalate: an injected ticket is refused before any search. To add a node, add it and its edges
below; a chat-only edge that can end or escalate is wrapped in ``ticket_aware`` so tickets still
reach ``ticket``.
"""

from __future__ import annotations

from typing import Any

from langgraph.graph import END, START, StateGraph

from agent.context import AgentDeps
from agent.nodes.approve import make_approve
from agent.nodes.condense import make_condense
from agent.nodes.draft import make_draft
from agent.nodes.escalate import make_escalate
from agent.nodes.ground import after_ground, make_ground
from agent.nodes.guard import after_guard, make_guard
from agent.nodes.respond import respond
from agent.nodes.retrieve import make_after_retrieve, make_retrieve
from agent.nodes.route import after_route, make_route
from agent.nodes.smalltalk import make_smalltalk
from agent.nodes.ticket import after_triage, make_ticket, ticket_after_retrieve, ticket_aware
from agent.nodes.tools import after_tools, make_tools
from agent.nodes.triage import make_triage
from agent.state import AgentState
from deskpilot.runconfig import RunConfig


def build_graph(*, checkpointer: Any, deps: AgentDeps) -> Any:
    """Compile the graph; ``checkpointer`` is any LangGraph saver (InMemorySaver in tests)."""
    # the run configuration of each invocation is its runtime context (``invoke(..., context=run)``)
    g: Any = StateGraph(AgentState, context_schema=RunConfig)  # keep mypy out of its generics
    g.add_node("guard", make_guard(deps))
    g.add_node("triage", make_triage(deps))
    g.add_node("route", make_route(deps))
    g.add_node("condense", make_condense(deps))  # a follow-up → a standalone retrieval query
    g.add_node("retrieve", make_retrieve(deps))
    g.add_node("draft", make_draft(deps))
    g.add_node("ground", make_ground(deps))
    g.add_node("tools", make_tools(deps))
    g.add_node("approve", make_approve(deps))
    g.add_node("respond", respond)
    g.add_node("escalate", make_escalate(deps))
    g.add_node("ticket", make_ticket(deps))

    g.add_edge(START, "guard")
    g.add_conditional_edges("guard", ticket_aware(after_guard), ["triage", "escalate", "ticket"])
    g.add_conditional_edges("triage", after_triage, ["route", "retrieve"])
    g.add_node("smalltalk", make_smalltalk(deps))  # greetings/thanks: a short reply, no escalation
    answer_path = {"retrieve": "condense", "tools": "tools", "escalate": "escalate", "smalltalk": "smalltalk"}
    g.add_conditional_edges("route", after_route, answer_path)  # chat answers are condensed first
    g.add_edge("condense", "retrieve")
    g.add_edge("smalltalk", END)
    g.add_conditional_edges(
        "retrieve", ticket_after_retrieve(deps, make_after_retrieve(deps)), ["draft", "escalate", "ticket"]
    )
    g.add_edge("draft", "ground")
    g.add_conditional_edges("ground", ticket_aware(after_ground), ["escalate", "ticket", END])
    g.add_conditional_edges("tools", after_tools, ["approve", "respond"])
    g.add_edge("approve", "respond")
    g.add_edge("respond", END)
    g.add_edge("escalate", END)
    g.add_edge("ticket", END)
    return g.compile(checkpointer=checkpointer)
