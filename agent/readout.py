"""Section read-out: the answer quotes the lead's section in its own order, not three units.

Reference answers are written from a documentation section (its intro, prerequisites, steps and
the configuration they show), and a support agent checks an answer against that section. On the
RHDH tuning split the composed answer (lead + two runners-up, ~460 characters) holds 0.46 of the
reference's key facts; the lead's section, read out in order to ~1300 characters, 0.63.

:func:`section_readout` takes the passage of the composed lead (a hit widened to its section by
``agent.continuation.widened``) and returns the lead, then the units that follow it in that
passage in order (each bringing its steps / list / code), skipping pointers, summaries ("Learn how
to …") and units a chosen one already holds, until ``MAX_CHARS``. The composed runners-up from
other passages are dropped — another passage is how a neighbouring, wrong answer gets in — unless
the lead's section has little more to say (``FEW_CHARS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.compose import Pick, compose, is_pointer, redundant
from agent.continuation import SECTION_CHARS, continued, widened
from agent.grounding import Grounder
from agent.steps import follow_steps
from agent.units import Unit, passage_units

MAX_CHARS = 2000  # a read-out stops before this many characters (tune kf: 1400 0.59, 2000 0.62, 2600 0.64)
MAX_STEPS = 12  # steps / list entries a unit of the read-out brings (a composed answer: 8)
FEW_CHARS = 300  # a read-out this short is completed with the composed runners-up


def _rebound(text: str, unit: Unit, max_chars: int) -> Unit:
    """``unit`` with the block its lead introduces re-collected to the read-out's bounds (a
    passage unit's list stops at ``agent.units.MAX_ITEMS``)."""
    grown = follow_steps(text, Unit(lead=unit.lead), howto=True, max_steps=MAX_STEPS, max_chars=max_chars)
    return grown if grown is not None and len(grown.items) > len(unit.items) else unit


def section_readout(
    grounder: Grounder, hits: list[dict[str, Any]], picks: list[Pick], *, max_chars: int = MAX_CHARS
) -> list[Pick]:
    """The lead (``picks[0]``) and what follows it in its passage, in order, within ``max_chars``;
    when its section has little more to say, the composed runners-up (``picks[1:]``) after it."""
    lead = picks[0]
    text = str(hits[lead.passage - 1].get("text") or "")
    units = passage_units(text)  # what grounder.answer_units holds, without embedding the section
    at = next((i for i, u in enumerate(units) if u.lead == lead.unit.lead), -1)
    if lead.unit.more and lead.unit.items:  # its steps / list, to the read-out's bound
        lead = Pick(_rebound(text, lead.unit, max_chars), lead.passage, lead.score, lead.position)
    chosen = [lead]
    used = len(lead.unit.render("[1]"))
    quoted = set(lead.unit.items)
    for i in range(at + 1, len(units)) if at >= 0 else ():
        unit = units[i]
        if is_pointer(unit.lead) or redundant(unit, chosen) or (unit.items and set(unit.items) <= quoted):
            continue
        if unit.more and unit.items:
            unit = _rebound(text, unit, max_chars)
        if not unit.has_block:
            grown = follow_steps(text, unit, howto=True, max_steps=MAX_STEPS, max_chars=max_chars)
            if grown is not None and not set(grown.items) <= quoted:
                same = next((k for k, p in enumerate(chosen) if p.unit.lead == grown.lead), -1)
                if same >= 0 and not chosen[same].unit.has_block:  # the steps of a quoted intro
                    extra = len(grown.render("[1]")) - len(chosen[same].unit.render("[1]"))
                    if used + extra <= max_chars:
                        chosen[same] = Pick(grown, lead.passage, chosen[same].score, chosen[same].position)
                        quoted |= set(grown.items)
                        used += extra
                    continue
                if same < 0 and not redundant(grown, chosen):  # (never the same lead twice)
                    unit = grown
        cost = len(unit.render("[1]"))
        if used + cost > max_chars:
            break
        chosen.append(Pick(unit, lead.passage, lead.score, i))
        quoted |= set(unit.items)
        used += cost
    if len(chosen) == 1 or used < FEW_CHARS:  # a short section: the other parts of the answer too
        chosen += [p for p in picks[1:] if not redundant(p.unit, chosen)]
    return chosen


def answer_scope(config: Any, state: Mapping[str, Any]) -> str:
    """The run's ``agent_answer_scope`` for a chat answer; a ticket draft (a reply the customer
    reads) is always composed ("units"): a quoted documentation section is for the agent."""
    return "units" if state.get("mode") == "ticket" else str(config.agent_answer_scope)


def answer_picks(
    grounder: Grounder,
    question: str,
    top: list[dict[str, Any]],
    collection: str,
    *,
    scope: str,
    max_units: int,
    min_relevance: float,
) -> tuple[list[Pick], list[dict[str, Any]]]:
    """(picks, the passages they cite): composed from ``top`` (a chunk cut inside its procedure
    continued, ``agent.continuation``); with ``scope`` "section", the lead's passage widened to its
    section and read out from the lead. The lead is chosen on the unwidened passages either way
    (widened ones would let units of neighbouring chunks compete for it)."""
    hits = continued(top, collection)
    picks = compose(grounder, question, hits, max_units=max_units, min_relevance=min_relevance)
    if scope != "section" or not picks:
        return picks, hits
    n = picks[0].passage - 1
    wide = widened([top[n]], collection, SECTION_CHARS)[0]
    if not set(str(hits[n]["id"]).split("+")) <= set(str(wide["id"]).split("+")):
        return picks, hits  # the bound cut what continuation joined: keep the continued passage
    hits = [*hits[:n], wide, *hits[n + 1 :]]
    return section_readout(grounder, hits, picks), hits
