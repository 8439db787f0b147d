"""Entailment checks for sentences not copied from a passage: a close paraphrase that flips a
negation, swaps a number, calls a preview feature supported, restates the question with a new
value, or repeats the customer's own words is rejected; a faithful paraphrase passes. The gate
applies them to model sentences (the run's embedder, no model call)."""

from __future__ import annotations

from types import SimpleNamespace

from agent import entail
from agent.grounding import Grounder
from agent.nodes.draft import SentenceGate
from retrieval.embedder import get_embedder

FEES = (
    "Refunds themselves are free: Acme Pay does not charge a fee to issue a refund. However, the "
    "processing fee from the original charge (2.9% + $0.30 for a domestic card) is not returned to you "
    "when you refund."
)
TIMING = "A refund takes 5 to 10 business days to appear on the customer's card statement."
JIRA = (
    "The Jira plugin is preinstalled in Developer Hub and shows Jira issues on the entity page. "
    "The plugin is a Technology Preview feature."
)
SECURITY = (
    "If you think your account was compromised, reset your password and turn on two-step login. "
    "Contact support to suspend the account."
)


def test_negation_flip_is_rejected() -> None:
    flipped = "The processing fee from the original charge is returned to you when you refund [1]."
    reasons = entail.check(flipped, FEES)
    assert any(r.startswith("polarity") for r in reasons), reasons
    faithful = "The processing fee from the original charge is not returned when you refund [1]."
    assert entail.check(faithful, FEES) == []


def test_swapped_number_is_rejected() -> None:
    reasons = entail.check("A refund takes 3 to 5 business days to appear on the card statement [1].", TIMING)
    assert reasons and reasons[0].startswith("value") and "3" in reasons[0]
    assert (
        entail.check("A refund takes 5 to 10 business days to show on the card statement [1].", TIMING) == []
    )
    assert entail.check("The fee is 3.9% + $0.30 for a domestic card [1].", FEES)  # swapped percentage


def test_preview_feature_called_supported_is_rejected() -> None:
    reasons = entail.check("The Jira plugin is a supported feature of Developer Hub [1].", JIRA)
    assert any("preview" in r for r in reasons), reasons
    assert entail.check("The Jira plugin shows Jira issues on the entity page [1].", JIRA) == []


def test_sentence_restating_the_question_with_a_new_value_is_rejected() -> None:
    q = "Do I need to install the Jira plugin from the jfrog-artifactory repository on my server?"
    claim = "You need to install the Jira plugin from the jfrog-artifactory repository on your server [1]."
    reasons = entail.check(claim, JIRA, question=q)
    kinds = {r.split(":")[0] for r in reasons}
    assert {"value", "restates_question"} <= kinds, reasons


def test_customers_own_words_are_not_evidence() -> None:
    ticket = "Our account has been hacked, please lock it immediately! We cannot log in since this morning."
    echoed = "Your account has been hacked, please lock it immediately [1]."
    assert any(r.startswith("user_words") for r in entail.check(echoed, SECURITY, question=ticket))
    answer = "Reset your password and turn on two-step login if your account was compromised [1]."
    assert entail.check(answer, SECURITY, question=ticket) == []


def _gate(hits: list[dict[str, str]], question: str) -> SentenceGate:
    grounder = Grounder(get_embedder().embed, min_cosine=0.55, min_lexical=0.5)
    deps = SimpleNamespace(grounder=grounder, config=SimpleNamespace(agent_min_relevance=0.0))
    return SentenceGate(deps, hits, 3, question=question)  # type: ignore[arg-type]


def test_gate_rejects_supported_looking_but_wrong_model_sentences() -> None:
    hits = [{"id": "fees", "text": FEES}, {"id": "timing", "text": TIMING}]
    gate = _gate(hits, "Do I get the processing fee back when I refund, and how long does a refund take?")
    gate.offer("The processing fee from the original charge is returned to you when you refund [1].")
    gate.offer("A refund takes 3 to 5 business days to appear on the card statement [2].")
    assert gate.sentences == []
    assert all(c["passage"] is None and c.get("entailment") for c in gate.checks), gate.checks
    gate.offer("A refund takes 5 to 10 business days to appear on the customer's card statement [2].")
    assert gate.sentences == [
        "A refund takes 5 to 10 business days to appear on the customer's card statement [1]."
    ]
    assert [c["title"] for c in gate.citations] == [None] and len(gate.citations) == 1
