"""Block-aware passage units and answer composition, on small hand-written passages with the real
embedder of the run (MiniLM, or the hashing fake in a unit-only run: relevance floors are
lowered where a test is about selection, not thresholds): a lead brings its list / steps / table / code, headings are never answer text, no answer
ends with a dangling colon, value questions get the value, multi-part questions get each part."""

from __future__ import annotations

from typing import Any

import pytest

from agent.compose import compose, question_parts
from agent.grounding import Grounder, cited, split_sentences
from agent.units import MAX_ITEMS, is_heading, passage_units
from agent.values import value_kinds
from retrieval.embedder import get_embedder
from tests.fixtures.agent import support
from tests.fixtures.agent.support import COLLECTION, TENANT, make_service

agent_kb = support.agent_kb  # the tiny agent KB, ingested once per session

AUDIT = {
    "id": "audit-1",
    "text": "## Audit logs\n\nAudit logs record user activities in Developer Hub.\n"
    "Audit logs include the following information:\n\n* Name of the audited event\n"
    "* Actor that triggered the audited event\n* Event status, for example, success, failure\n",
}
REFUNDS = {
    "id": "refunds-7",
    "text": "## How long refunds take\n\nAcme Pay submits the refund to the bank right away, but the time "
    "until the customer sees the money depends on the payment method.\n\n"
    "| Payment method | Typical time |\n|---|---|\n| Credit and debit cards | 5–10 business days |\n"
    "| SEPA Direct Debit | 2–4 business days |\n\nRefunds themselves are free of charge.",
}
SPLUNK = {
    "id": "splunk-2",
    "text": "## Forwarding audit logs to Splunk\n\n1. Log in to your cluster.\n"
    "2. Create a service account named log-collector:\n\n```bash\noc create sa log-collector\n```\n"
    "3. Generate a token in your Splunk instance.",
}


@pytest.fixture(scope="module")
def grounder() -> Grounder:
    return Grounder(get_embedder().embed, min_cosine=0.55, min_lexical=0.5)


def _render(picks: list[Any]) -> str:
    return "\n\n".join(p.unit.render(f"[{p.passage}]") for p in picks)


def test_lead_that_introduces_a_list_brings_the_list(grounder: Grounder) -> None:
    picks = compose(grounder, "What information do the audit logs include?", [AUDIT])
    assert picks and picks[0].unit.items, _render(picks)
    text = picks[0].unit.render("[1]")
    assert text.startswith("Audit logs include the following information [1]:")
    assert (
        "\n- Name of the audited event" in text and "\n- Event status, for example, success, failure" in text
    )
    # the answer splits into one cited unit: the list stays with its lead
    assert split_sentences(text) == [text] and cited(split_sentences(text)[0]) == [1]


def test_step_that_introduces_a_command_brings_the_code_block(grounder: Grounder) -> None:
    units = passage_units(SPLUNK["text"])
    step = next(u for u in units if u.code)
    assert step.lead.startswith("Create a service account") and step.code == "oc create sa log-collector"
    rendered = step.render("[2]")
    assert rendered.endswith("```bash\noc create sa log-collector\n```") and "[2]:" in rendered


def test_headings_are_never_answer_units(grounder: Grounder) -> None:
    for hit in (AUDIT, REFUNDS, SPLUNK):
        leads = [u.lead for u in passage_units(hit["text"])]
        assert leads and not any(is_heading(x) or x.startswith("#") for x in leads if x)
    # a question that is the heading's own words still gets a sentence, not the heading
    picks = compose(grounder, "forwarding audit logs to splunk", [SPLUNK], min_relevance=0.05)
    assert picks and "Forwarding audit logs to Splunk" not in _render(picks)
    assert is_heading("Configuring dynamic plugins > Installing Ansible plug-ins") and is_heading("[NOTE]")
    assert not is_heading("Refunds themselves are free of charge.")


def test_no_unit_ends_with_a_dangling_colon() -> None:
    cut = "The procedure to activate the plugin is the following:\n\nYou can also restart the pod."
    units = passage_units(cut)  # the chunk ends the section before the steps arrive
    assert [u.lead for u in units] == ["You can also restart the pod."]
    for hit in (AUDIT, REFUNDS, SPLUNK):
        for u in passage_units(hit["text"]):
            assert not u.render("[1]").rstrip().endswith(":")


def test_a_long_list_is_bounded_and_says_so() -> None:
    items = "\n".join(f"* Event number {i} is recorded" for i in range(12))
    unit = passage_units(f"The plugin adds the following events to the audit logs:\n\n{items}\n")[0]
    assert len(unit.items) == MAX_ITEMS and unit.more == 12 - MAX_ITEMS
    assert f"… ({12 - MAX_ITEMS} more in the cited passage)" in unit.render("[1]")


def test_a_charge_the_noun_does_not_make_an_amount_question() -> None:
    """In a payments KB "charge" is mostly the object: "refund a charge made in another currency"
    asks for a rate, and read as an amount question it led with the 1% fee sentence (acme-020)."""
    assert value_kinds("Which exchange rate is used when I refund a charge made in another currency?") == []
    assert value_kinds("How long after a charge can I still refund it?") == ["duration"]
    assert value_kinds("How much do you charge for an Instant Payout?") == ["amount"]
    assert value_kinds("Do you charge for refunds?") == ["amount"]
    assert value_kinds("How do I refund a charge for a cancelled order?") == []
    assert value_kinds("Why was I charged twice?") == ["amount"]


def test_how_long_question_is_answered_with_the_table_durations(grounder: Grounder) -> None:
    assert value_kinds("how long do refunds take to arrive?") == ["duration"]
    picks = compose(grounder, "how long do refunds take to arrive?", [REFUNDS], min_relevance=0.05)
    lead = picks[0].unit.render("[1]")
    assert "5–10 business days" in lead, _render(picks)
    table = next(u for u in passage_units(REFUNDS["text"]) if u.items)  # the lead brings its table
    assert table.render("[1]").startswith("Acme Pay submits") and "depends on the payment method [1]:" in (
        table.render("[1]")
    )
    assert table.items == (
        "Credit and debit cards: 5–10 business days",
        "SEPA Direct Debit: 2–4 business days",
    )
    # a specific row, asked for by name, is found too
    sepa = compose(grounder, "how long does a SEPA Direct Debit refund take?", [REFUNDS], min_relevance=0.05)
    assert "2–4 business days" in sepa[0].unit.render("[1]")


def test_a_question_with_two_parts_gets_a_unit_for_each(grounder: Grounder) -> None:
    q = "How long until the customer sees the refund money, and what information do audit logs include?"
    assert len(question_parts(q)) == 2
    text = _render(compose(grounder, q, [REFUNDS, AUDIT], min_relevance=0.0))
    assert "5–10 business days" in text and "Name of the audited event" in text


def test_irrelevant_passages_compose_nothing(grounder: Grounder) -> None:
    assert compose(grounder, "Who won the football world cup in 1998?", [AUDIT], min_relevance=0.3) == []


def test_hard_wrapped_lines_and_captions_do_not_cut_a_sentence() -> None:
    wrapped = (
        "The Red Hat Container Registry (registry.redhat.io), based on the OLM framework,\n"
        "contains a distribution of the Developer Hub Operator.\n"
        "1. The Bulk Import plugins are installed but disabled by default.\n"
        "To enable them, edit your dynamic-plugins.yaml with the following content:\n"
        "dynamic-plugins.yaml fragment\n\n```yaml\nplugins:\n  - disabled: false\n```\n"
    )
    rendered = [u.render("[1]") for u in passage_units(wrapped)]
    assert rendered[0] == (
        "The Red Hat Container Registry (registry.redhat.io), based on the OLM framework, contains a "
        "distribution of the Developer Hub Operator [1]."
    )
    assert "The Bulk Import plugins are installed but disabled by default [1]." in rendered
    step = rendered[-1]
    assert step.startswith(
        "To enable them, edit your dynamic-plugins.yaml with the following content [1]:\n```yaml"
    )
    assert "fragment" not in step


@pytest.mark.integration  # retrieval's abstain thresholds are calibrated on MiniLM cosines
def test_local_model_default_answers_from_composed_units_without_a_model_call(
    agent_kb: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """agent_generation="auto" with the local model: the graph answers with cited passage units
    and never calls the model (no mock is set, so a model call would fail the test)."""
    from deskpilot.settings import get_settings

    monkeypatch.setenv("DESKPILOT_DATA_DIR", str(agent_kb))
    monkeypatch.setenv("DESKPILOT_COLLECTION", COLLECTION)
    monkeypatch.setenv("DESKPILOT_TENANT", TENANT)
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.agent_generation == "auto" and settings.llm_model.startswith("local/")
    svc = make_service(settings, tmp_path)
    r = svc.ask("How long does a refund take to show up on my card?", tenant=TENANT)
    assert r.answer_mode == "extractive" and r.usage.llm_calls == 0 and not r.escalated
    assert "5 to 10 business days" in r.answer
    sentences = split_sentences(r.answer)
    assert sentences and all(cited(s) for s in sentences) and not r.answer.rstrip().endswith(":")


def test_learn_how_to_abstract_does_not_lead_over_the_task(grounder: Grounder) -> None:
    text = (
        "# Events module\n\nLearn how to configure the Events Module for GitHub.\n\n"
        "To configure the Events Module for GitHub, add the events module package to your "
        "dynamic-plugins ConfigMap."
    )
    picks = compose(
        grounder,
        "How do I configure the Events Module for GitHub?",
        [{"id": "e", "text": text}],
        min_relevance=0.0,
    )
    assert picks and picks[0].unit.lead.startswith("To configure"), picks


def test_a_units_section_heading_counts_for_its_words(grounder: Grounder) -> None:
    """A table row under "Instant Payouts" answers the Instant Payout question over a row of
    another section that shares more of the question's words in its own text."""
    instant = {
        "id": "p1",
        "heading": "Payouts > Instant Payouts",
        "text": "## Instant Payouts\n\n| Item | Value |\n|---|---|\n| Fee | 1% of the payout amount, minimum $0.50 |\n",
    }
    connect = {
        "id": "c1",
        "heading": "Connect platforms > Payouts to connected accounts",
        "text": "## Payouts to connected accounts\n\nEach payout to an Express account is charged to the platform at 0.25% + $0.25.",
    }
    q = "What does an Instant Payout cost?"
    headed = compose(grounder, q, [instant], min_relevance=0.0)
    bare = compose(grounder, q, [{**instant, "heading": ""}], min_relevance=0.0)
    assert headed[0].unit == bare[0].unit and "1% of the payout amount" in headed[0].unit.render("[1]")
    assert headed[0].score > bare[0].score + 0.05  # "instant" and "payout" from the heading count
    if get_embedder().name.startswith("sentence-transformers"):  # the real embedder ranks the rows
        picks = compose(grounder, q, [instant, connect], min_relevance=0.0)
        assert "1% of the payout amount" in picks[0].unit.render("[1]"), _render(picks)


def test_a_section_heading_about_the_question_lifts_its_units(grounder: Grounder) -> None:
    """The same sentence under "Displaying a person's preferred name" wins over its twin under
    "Mount points for plugin integration" (ranked first) by ``heading_weight`` × the heading's
    cosine to the question; neither heading shares a word with the question, so without the
    weight the better-ranked twin leads."""
    text = "## Profile\n\nThe profile dropdown shows the name from the user entity when it is configured."
    mounts = {"id": "m", "heading": "Customizing > Mount points for plugin integration", "text": text}
    shown = {"id": "s", "heading": "Customizing > Displaying a person's preferred name", "text": text}
    q = "How do I show the username in the profile dropdown?"
    plain = compose(grounder, q, [mounts, shown], min_relevance=0.0, heading_weight=0.0)
    assert plain[0].passage == 1, plain
    if get_embedder().name.startswith("sentence-transformers"):  # the hashing fake sees no similarity
        headed = compose(grounder, q, [mounts, shown], min_relevance=0.0)  # the default weight
        assert headed[0].passage == 2 and headed[0].score > plain[0].score, headed


@pytest.mark.integration
def test_a_section_heading_lifts_its_units_with_the_real_embedder(grounder: Grounder) -> None:
    """The same, where it can fail: the unit tier embeds with the hashing fake."""
    assert get_embedder().name.startswith("sentence-transformers")
    test_a_section_heading_about_the_question_lifts_its_units(grounder)


def test_a_where_list_brings_the_command_it_explains(grounder: Grounder) -> None:
    """A "where:" list that leads is preceded by the unit above it, the command, block and all."""
    text = (
        "## Mirroring images\n\nRun the following command:\n\n"
        "```bash\noc mirror --config=<imageset_config> docker://<mirror_registry>\n```\n\n"
        "where:\n\n- <imageset_config>: the ImageSetConfiguration file that lists the images to mirror.\n"
        "- <mirror_registry>: the mirror registry host name and port of your disconnected cluster.\n"
    )
    q = "What are imageset_config and mirror_registry in the mirror registry ImageSetConfiguration?"
    picks = compose(grounder, q, [{"id": "mirror-where", "text": text}], min_relevance=0.0)
    leads = [p.unit.lead for p in picks]
    assert leads[:2] == ["Run the following command:", "where:"], _render(picks)
    assert picks[0].unit.code.startswith("oc mirror")


def test_a_where_list_without_its_command_never_leads(grounder: Grounder) -> None:
    """A chunk that starts with "where:" explains the placeholders of a command in the chunk
    before it; quoted alone it answers nothing (it led "how do plugins work …"). Here it shares
    more of the question's words than the sentence that answers, and led before the fix."""
    placeholders = {
        "id": "w",
        "text": "where:\n\n- <dynamic_plugins_configmap>: the name of the dynamic plugins ConfigMap that "
        "lists your TechDocs add-on plugins, for example dynamic-plugins-rhdh.\n- <techdocs_add-on>: "
        "the TechDocs add-on that you want to install, for example TextSize.",
    }
    about = {
        "id": "a",
        "text": "## Installing TechDocs add-ons\n\nTo install a TechDocs add-on, add its package to the "
        "dynamic plugins ConfigMap and restart Developer Hub.",
    }
    q = "How do I install a TechDocs add-on with the dynamic plugins ConfigMap?"
    picks = compose(grounder, q, [placeholders, about], min_relevance=0.0)
    assert picks and picks[0].unit.lead.startswith("To install a TechDocs add-on"), _render(picks)


def test_a_definition_keeps_its_term_with_all_of_its_text() -> None:
    """ "title:: (Optional) Enter the title. Only required for a new item." was cut into two
    units; the second, quoted without its term, landed under the field above it (labelled wrong)."""
    text = (
        "## Menu items\n\nicon:: Enter the menu icon. Required for parent menu items.\n"
        "title:: (Optional) Enter the menu group title. Only required for adding a new custom main menu item.\n"
        "\n* A plain bullet. With two sentences.\n"
    )
    leads = [u.lead for u in passage_units(text)]
    assert (
        "title: (Optional) Enter the menu group title. Only required for adding a new custom main menu item."
        in leads
    )
    assert "Only required for adding a new custom main menu item." not in leads
    assert "icon: Enter the menu icon. Required for parent menu items." in leads
    assert "A plain bullet." in leads and "With two sentences." in leads  # other lists: one unit a sentence


def test_a_definition_that_introduces_a_code_block_brings_it() -> None:
    text = (
        "StarredDropdown:: Display the Starred Items menu in the global header by default, as shown in the "
        "following configuration:\n\n```yaml\n- mountPoint: global.header/component\n  importName: StarredDropdown\n```\n"
    )
    unit = next(u for u in passage_units(text) if u.lead.startswith("StarredDropdown"))
    assert unit.code.startswith("- mountPoint: global.header/component"), unit
