"""A lead sentence brings the procedure that follows it in its passage (agent.steps), and a
passage cut by the chunker inside its procedure gets the rest of its section (agent.continuation)."""

from __future__ import annotations

from typing import Any

import pytest

from agent import continuation
from agent.compose import compose
from agent.continuation import continued, widened
from agent.grounding import Grounder, split_sentences
from agent.steps import MAX_STEPS, follow_steps
from agent.units import Unit, passage_units
from retrieval.embedder import get_embedder

DELETE_ROLE = """# Deleting a role in the Web UI

You can delete a role in the Red Hat Developer Hub using the Web UI.

[NOTE]
----
The policies generated from a policy.csv or ConfigMap file cannot be edited or deleted using the Web UI.
----

* You have enabled RBAC and have a policy administrator role in Developer Hub.
* The role that you want to delete is created in the Developer Hub.

1. Go to Administration at the bottom of the sidebar in the Developer Hub.
2. Select the delete icon from the Actions column for the role that you want to delete.

Delete this role? pop-up appears on the screen.
3. Click DELETE.
"""

CONFIG = """# Enabling the plugin

You can enable the plugin in your configuration.

1. Log in to the cluster:
```bash
oc login
```
2. Add the following to your app-config.yaml file:
```yaml
plugin:
  enabled: true
  path: /plugin
```
3. Restart the application.
"""


def _lead(text: str, sentence: str) -> Unit:
    return next(u for u in passage_units(text) if u.lead == sentence)


def test_the_lead_brings_its_numbered_steps_past_the_note_and_the_prerequisites() -> None:
    unit = follow_steps(
        DELETE_ROLE,
        _lead(DELETE_ROLE, "You can delete a role in the Red Hat Developer Hub using the Web UI."),
    )
    assert unit is not None and unit.ordered
    assert unit.items == (
        "Go to Administration at the bottom of the sidebar in the Developer Hub.",
        "Select the delete icon from the Actions column for the role that you want to delete.",
        "Click DELETE.",
    )
    text = unit.render("[1]")
    assert text.startswith(
        "You can delete a role in the Red Hat Developer Hub using the Web UI [1]:\n1. Go to"
    )
    assert "You have enabled RBAC" not in text and "cannot be edited" not in text  # prerequisites, note
    assert not text.rstrip().endswith(":")
    assert len(split_sentences(text)) == 1  # one cited unit: the steps stay with their lead


def test_a_note_or_a_remark_between_steps_leads_nothing() -> None:
    note = _lead(
        DELETE_ROLE,
        "The policies generated from a policy.csv or ConfigMap file cannot be edited or deleted using the Web UI.",
    )
    assert follow_steps(DELETE_ROLE, note) is None
    assert follow_steps(DELETE_ROLE, Unit(lead="Delete this role? pop-up appears on the screen.")) is None


def test_a_step_chosen_as_lead_returns_the_whole_procedure_under_its_intro() -> None:
    step = _lead(
        DELETE_ROLE, "Select the delete icon from the Actions column for the role that you want to delete."
    )
    unit = follow_steps(DELETE_ROLE, step)
    assert unit is not None
    assert unit.lead == "You can delete a role in the Red Hat Developer Hub using the Web UI."
    assert unit.items[0].startswith("Go to Administration") and unit.items[-1] == "Click DELETE."


def test_a_short_command_is_inline_and_a_config_block_is_indented_under_its_step() -> None:
    unit = follow_steps(CONFIG, _lead(CONFIG, "You can enable the plugin in your configuration."))
    assert unit is not None
    assert unit.items[0] == "Log in to the cluster: `oc login`"
    assert unit.items[1].splitlines() == [
        "Add the following to your app-config.yaml file:",
        "   ```yaml",
        "   plugin:",
        "     enabled: true",
        "     path: /plugin",
        "   ```",
    ]
    text = unit.render("[1]")
    assert "2. Add the following to your app-config.yaml file:\n   ```yaml\n   plugin:" in text
    assert len(split_sentences(text)) == 1  # the fenced block stays inside the cited unit


def test_a_heading_ends_the_section_and_a_trailing_step_without_its_block_is_cut() -> None:
    cut = "You can enable the plugin in your configuration.\n\n# Other section\n\n1. Unrelated step here.\n"
    assert follow_steps(cut, _lead(cut, "You can enable the plugin in your configuration.")) is None
    dangling = "You can enable the plugin in your configuration.\n\n1. Log in to the cluster.\n2. Add the following to your app-config.yaml file:\n"
    unit = follow_steps(dangling, _lead(dangling, "You can enable the plugin in your configuration."))
    assert unit is not None and unit.items == ("Log in to the cluster.",) and unit.more == 1
    assert "(1 more in the cited passage)" in unit.render("[1]")


def test_steps_are_bounded() -> None:
    many = "You can do the task in many steps.\n\n" + "\n".join(
        f"{i}. Do step number {i} now." for i in range(1, 20)
    )
    unit = follow_steps(many, _lead(many, "You can do the task in many steps."))
    assert unit is not None and len(unit.items) == MAX_STEPS and unit.more == 19 - MAX_STEPS


def test_compose_answers_a_how_question_with_the_steps() -> None:
    grounder = Grounder(get_embedder().embed, min_cosine=0.55, min_lexical=0.5)
    hit = {"id": "role-1", "text": DELETE_ROLE}
    picks = compose(grounder, "How do I delete a role in the Web UI?", [hit], min_relevance=-1.0)
    assert picks
    lead = picks[0].unit
    assert lead.ordered and lead.items[-1] == "Click DELETE.", lead.render("[1]")
    assert all("Click DELETE" not in p.unit.lead for p in picks[1:])  # not repeated after the steps


def _hit(hid: str, text: str, heading: str = "Enabling") -> dict[str, Any]:
    return {"id": hid, "text": text, "heading": heading, "source": "a.md", "title": "A"}


def test_a_passage_cut_inside_its_procedure_gets_the_next_chunk_of_its_section(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    following = {
        "p1": {"id": "p2", "text": "1. Log in.\n2. Click Install.", "heading": "Enabling"},
        "q1": {"id": "q2", "text": "1. Unrelated.", "heading": "Another section"},
        "r1": {"id": "r2", "text": "A new paragraph of prose.", "heading": "Enabling"},
    }
    monkeypatch.setattr(
        continuation, "next_chunks", lambda _c, ids: {i: following[i] for i in ids if i in following}
    )
    hits = [
        _hit("p1", "You can enable it.\n\n* You have access."),
        _hit("q1", "You can enable it.\n\nPrerequisites:"),
        _hit("r1", "A finished paragraph."),
        _hit("s1", "No next chunk:"),
    ]
    out = continued(hits, "c")
    assert out[0]["id"] == "p1+p2" and out[0]["text"].endswith("1. Log in.\n2. Click Install.")
    assert out[1:] == hits[1:]  # another section; prose after prose; nothing after
    unit = follow_steps(out[0]["text"], Unit(lead="You can enable it."))
    assert unit is not None and unit.items == ("Log in.", "Click Install.")


def test_without_an_index_the_hits_are_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval import index

    def broken() -> Any:
        raise RuntimeError("no index")

    monkeypatch.setattr(index, "get_client", broken)
    hits = [_hit("p1", "You can enable it:")]
    assert continuation.next_chunks("c", ["p1"]) == {}
    assert continued(hits, "c") == hits


def test_a_pick_from_a_neighbouring_passage_that_misses_the_questions_terms_is_dropped() -> None:
    from agent.compose import Pick, on_topic

    units = [
        Unit(lead="The dispute fee of $15.00 is returned to you if you win the dispute."),
        Unit(lead="The processing fee from the original charge is not returned when you refund."),
        Unit(lead="Disputes are opened by the cardholder's bank."),
        Unit(lead="Refunds take 5 to 10 business days."),
    ]
    picks = [Pick(units[1], 1, 0.6, 0), Pick(units[0], 2, 0.55, 0)]
    kept = on_topic(picks, "How much is the dispute fee and is it returned if we win the dispute?", units)
    assert [p.unit for p in kept] == [units[0]]  # "processing fee … refund" answers another question
    assert on_topic(picks[:1], "anything at all", units) == picks[:1]  # a single pick always stays


AIRGAP = """# Deploying the Helm chart

In your air-gapped environment, deploy the Helm chart to the namespace that you want to use by running the helm install command with namespace and set options.

```terminal
helm install <rhdh_instance> <workspace_directory>/charts/<archive_file> --namespace <your_namespace> --create-namespace
```

where:
"""

NOTIFY = """# Enabling template update notifications

As a platform engineer, you can enable notification alerts for template version updates using the scaffolder relation processor module. The module is disabled by default.

* You have installed Developer Hub.

1. Add the module package to your dynamic-plugins ConfigMap.
2. Set `disabled: false` for the package.
3. Restart the Developer Hub pod.
"""


def test_a_sentence_right_above_a_code_block_brings_the_command() -> None:
    lead = next(u for u in passage_units(AIRGAP) if u.lead.startswith("In your air-gapped"))
    full = follow_steps(AIRGAP, lead)
    assert full is not None and full.code.startswith("helm install <rhdh_instance>"), full
    assert full.render("[1]").endswith("--create-namespace\n```")


def test_a_how_to_question_brings_the_procedure_past_more_prose() -> None:
    lead = next(u for u in passage_units(NOTIFY) if u.lead.startswith("As a platform engineer"))
    assert follow_steps(NOTIFY, lead) is None  # more prose follows the lead: no block by default
    full = follow_steps(NOTIFY, lead, howto=True)
    assert full is not None and full.ordered and full.lead == lead.lead
    assert full.items[0].startswith("Add the module package") and len(full.items) == 3  # no prerequisite


def test_a_hit_is_widened_to_its_section_within_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    near = {
        "p5": {
            -1: {"id": "p4", "text": "# Enabling\n\nYou can enable the plugin.", "heading": "Enabling"},
            -2: {"id": "p3", "text": "Text of the section before.", "heading": "Overview"},
            1: {"id": "p6", "text": "2. Click Install.", "heading": "Enabling"},
            2: {"id": "p7", "text": "3. Restart the pod. " + "x" * 200, "heading": "Enabling"},
        }
    }
    monkeypatch.setattr(
        continuation, "nearby_chunks", lambda _c, ids, _o: {i: near[i] for i in ids if i in near}
    )
    hits = [_hit("p5", "1. Log in."), _hit("q1", "Alone.")]
    out = widened(hits, "c", 120)
    # the chunk before (same heading) and the next one join; another section's chunk and what
    # would pass the bound do not
    assert out[0]["id"] == "p4+p5+p6"
    assert out[0]["text"] == "# Enabling\n\nYou can enable the plugin.\n\n1. Log in.\n\n2. Click Install."
    assert out[1] == hits[1]
    unit = follow_steps(out[0]["text"], Unit(lead="You can enable the plugin."))
    assert unit is not None and unit.items == ("Log in.", "Click Install.")
    assert continued(hits, "c")[0]["id"] == "p5+p6"  # continuation alone: only the cut procedure


def test_a_remark_between_steps_does_not_lead_the_resumed_procedure() -> None:
    text = (
        "# Installing\n\nInstall the chart from the console:\n\n1. Go to Helm Charts.\n2. Select Install.\n\n"
        "As a regular user, install the chart with orchestrator.enabled set to true.\n\n"
        "3. Wait until the pods are deployed.\n4. Monitor the deployment status."
    )
    remark = Unit(lead="As a regular user, install the chart with orchestrator.enabled set to true.")
    assert follow_steps(text, remark, howto=True) is None  # steps 3-4 are not its steps 1-2
    step = follow_steps(text, Unit(lead="Wait until the pods are deployed."))  # a resumed step: its whole
    assert step is not None and step.lead == "Install the chart from the console:" and len(step.items) == 4
    noted = text.replace("As a regular user", "[NOTE]\n----\nA note.\n----\n\nAs a regular user")
    assert (
        follow_steps(noted, Unit(lead="Wait until the pods are deployed.")) is None
    )  # past a note: no intro
    intro = follow_steps(text, Unit(lead="Install the chart from the console:"))
    assert intro is not None and intro.items[:2] == ("Go to Helm Charts.", "Select Install.")
