"""Section read-out (agent.readout): the lead's section quoted in passage order, bounded, the lead
always in, pointers and repeats skipped, no runner-up from another passage."""

from __future__ import annotations

from typing import Any

import pytest

from agent.compose import Pick
from agent.grounding import Grounder
from agent.readout import answer_picks, section_readout
from agent.units import Unit
from retrieval.embedder import get_embedder

SECTION = {
    "id": "s1",
    "text": "# Installing the Tekton plugin\n\n"
    "You can use the Tekton plugin to visualize the results of CI/CD pipeline runs.\n\n"
    "For more information, see Installing and configuring the Tekton plugin.\n\n"
    "* You have installed Developer Hub.\n\n"
    "1. Open your application and select a component from the Catalog page.\n"
    "2. Go to the CI tab.\n"
    "3. Click the expand row button to view the PipelineRun visualization.\n\n"
    "The CI tab displays the list of PipelineRun resources.",
}
OTHER = {"id": "o1", "text": "# Nexus\n\nThe Nexus plugin displays build artifacts of a component."}


@pytest.fixture(scope="module")
def grounder() -> Grounder:
    return Grounder(get_embedder().embed, min_cosine=0.55, min_lexical=0.5)


def test_the_lead_brings_what_follows_it_in_its_section_in_order(grounder: Grounder) -> None:
    units, _ = grounder.answer_units(SECTION)
    lead = Pick(units[0], 1, 0.9, 0)
    other = Pick(grounder.answer_units(OTHER)[0][0], 2, 0.8, 0)
    picks = section_readout(grounder, [SECTION, OTHER], [lead, other])
    text = "\n".join(p.unit.render(f"[{p.passage}]") for p in picks)
    assert text.startswith("You can use the Tekton plugin to visualize")
    assert "3. Click the expand row button" in text and text.rstrip().endswith("PipelineRun resources [1].")
    assert "For more information" not in text  # a pointer is skipped
    assert text.count("Go to the CI tab") == 1  # a step already quoted is not repeated
    assert {p.passage for p in picks} == {1}  # the section says enough: no runner-up from elsewhere
    assert [p.position for p in picks] == sorted(p.position for p in picks)


def test_a_lead_with_little_after_it_keeps_the_runners_up(grounder: Grounder) -> None:
    units, _ = grounder.answer_units(SECTION)
    last = Pick(units[-1], 1, 0.9, len(units) - 1)
    other = Pick(grounder.answer_units(OTHER)[0][0], 2, 0.8, 0)
    assert [p.passage for p in section_readout(grounder, [SECTION, OTHER], [last, other])] == [1, 2]


def test_the_bound_stops_the_read_out(grounder: Grounder) -> None:
    units, _ = grounder.answer_units(SECTION)
    picks = section_readout(grounder, [SECTION], [Pick(units[0], 1, 0.9, 0)], max_chars=200)
    assert picks[0].unit.lead == units[0].lead
    assert sum(len(p.unit.render("[1]")) for p in picks) <= 200


def test_section_scope_quotes_the_lead_passage_first(grounder: Grounder) -> None:
    q = "How do I see my CI/CD pipeline runs with the Tekton plugin?"
    kw: dict[str, Any] = {"max_units": 3, "min_relevance": 0.0}
    units, _ = answer_picks(grounder, q, [SECTION, OTHER], "no-such-collection", scope="units", **kw)
    section, hits = answer_picks(grounder, q, [SECTION, OTHER], "no-such-collection", scope="section", **kw)
    assert hits == [SECTION, OTHER]  # no index: nothing to widen
    assert section[0] == units[0] and len(section) >= 2
    assert "".join(p.unit.render("[1]") for p in section).count("Go to the CI tab") == 1


def test_a_read_out_brings_a_longer_procedure_than_a_composed_answer(grounder: Grounder) -> None:
    from agent.steps import MAX_STEPS
    from agent.steps import follow_steps as steps_of

    steps = "\n".join(f"{i}. Do step number {i} of the upgrade." for i in range(1, MAX_STEPS + 4))
    passage = {
        "id": "u1",
        "text": f"# Upgrading\n\nTo upgrade the instance, complete the following steps:\n\n{steps}",
    }
    units, _ = grounder.answer_units(passage)
    lead_unit = next(u for u in units if u.lead.startswith("To upgrade"))
    composed = steps_of(passage["text"], Unit(lead=lead_unit.lead)) or lead_unit
    assert len(composed.items) == MAX_STEPS and composed.more == 3  # a composed answer is cut
    picks = section_readout(grounder, [passage], [Pick(composed, 1, 0.9, 0)])
    assert len(picks[0].unit.items) == MAX_STEPS + 3 and picks[0].unit.more == 0
