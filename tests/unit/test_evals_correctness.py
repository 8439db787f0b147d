"""Correctness proxies on realistic pairs built from examples/acme/golden.jsonl references:
a paraphrase scores correct, a swapped number or a flipped negation scores wrong, a dropped
duration scores incomplete; key facts and their matching."""

import json
from pathlib import Path

import pytest

from evals.metrics.correctness import assess, cited_texts, lead_values
from evals.metrics.keyfacts import Fact, extract_facts
from evals.records import CaseRecord, RetrievedContext

GOLDEN = Path(__file__).resolve().parents[2] / "examples" / "acme" / "golden.jsonl"
CASES = {json.loads(line)["id"]: json.loads(line) for line in GOLDEN.read_text().splitlines() if line.strip()}


def record(
    case_id: str, answer: str, *, cited: list[str] | None = None, abstained: bool = False
) -> CaseRecord:
    g = CASES[case_id]
    passages = g["reference_contexts"] if cited is None else cited
    return CaseRecord(
        id=case_id,
        case_hash="h",
        config_hash="c",
        question=g["question"],
        reference_answer=g["reference_answer"],
        reference_contexts=g["reference_contexts"],
        source_docs=g["source_docs"],
        category=g["category"],
        answer=answer,
        citations=[g["source_docs"][0]] * len(passages),
        cited_passages=passages,
        abstained=abstained,
    )


REFUND_OK = (
    "Yes, that's normal: card refunds usually show up within 5 to 10 business days [1]. If it still hasn't "
    "arrived after 10 business days, give her the ARN shown on the refund in the Dashboard so her bank can "
    "trace it [2]."
)


def test_correct_paraphrase_scores_correct() -> None:
    p = assess(record("acme-002", REFUND_OK))
    assert p.verdict == "correct", p.reasons
    assert p.keyfact_recall == 1.0 and not p.unsupported_facts and not p.polarity_mismatches
    fee = "No. Refunds are free, but the processing fee of the original charge (2.9% + $0.30 for a domestic card) isn't returned to you [1]."
    assert assess(record("acme-003", fee)).verdict == "correct"


@pytest.mark.parametrize(
    ("case_id", "answer", "bad"),
    [
        ("acme-002", REFUND_OK.replace("5 to 10", "3 to 5"), "3-5 business day"),
        ("acme-001", "You can refund a charge for up to 90 days after the original charge [1].", "90 day"),
        (
            "acme-014",
            "Instant Payouts reach an eligible US debit card within 30 hours, any day and time [1]. They cost 1% "
            "of the payout amount with a minimum of $0.50 [1].",
            "30 hour",
        ),
    ],
)
def test_swapped_number_scores_wrong(case_id: str, answer: str, bad: str) -> None:
    p = assess(record(case_id, answer))
    assert p.verdict == "wrong"
    assert bad in p.unsupported_facts


def test_flipped_negation_scores_wrong() -> None:
    flipped = (
        "Refunds are free, and the processing fee of the original charge (2.9% + $0.30 for a domestic card) "
        "is returned to you when you refund [1]."
    )
    p = assess(record("acme-003", flipped))
    assert p.verdict == "wrong" and p.polarity_mismatches and not p.unsupported_facts
    p = assess(record("acme-030", "Yes, support can disable 2FA by phone, chat or email [1]."))
    assert p.verdict == "wrong" and any("'yes'" in m for m in p.polarity_mismatches)


def test_missing_duration_scores_incomplete() -> None:
    dropped = (
        "Yes, that can be normal [1]. If it still hasn't arrived after 10 business days, give her the ARN "
        "shown on the refund in the Dashboard so her bank can trace it [2]."
    )
    p = assess(record("acme-002", dropped))
    assert p.verdict == "incomplete"
    assert "5-10 business day" in p.missing_facts and p.lead_missing
    assert lead_values(CASES["acme-002"]["reference_answer"]) == {Fact("range", "5-10", "business day")}


def test_dangling_colon_and_heading_are_incomplete_and_abstention_is_no_answer() -> None:
    assert assess(record("acme-001", "The procedure to refund a charge is: [1].")).dangling
    assert assess(record("acme-001", "## Refund window\n\nRefund window [1].")).verdict == "incomplete"
    assert assess(record("acme-001", "I don't know; escalating.", abstained=True)).verdict == "no_answer"


def test_value_absent_from_the_cited_passage_or_contradicting_the_reference_is_wrong() -> None:
    answer = "Each dispute costs a $25.00 fee, withdrawn from your balance [1]."
    p = assess(record("acme-006", answer, cited=["Disputes are withdrawn from your balance."]))
    assert "$25" in p.unsupported_facts and p.verdict == "wrong"
    # backed by its (off-topic) cited passage, but the reference's lead value is $15.00
    p = assess(record("acme-006", answer, cited=["A chargeback review costs a $25.00 fee."]))
    assert not p.unsupported_facts and p.conflicting_values == ["$25"] and p.verdict == "wrong"
    # an extra value of another sort next to the right one is not a conflict
    ok = "Each dispute costs a $15.00 fee, withdrawn from your balance within 2 days [1]."
    p = assess(record("acme-006", ok, cited=["Each dispute costs a $15.00 fee, withdrawn within 2 days."]))
    assert p.verdict == "correct", p.reasons


def test_key_facts_normalise_ranges_units_and_identifiers() -> None:
    a = extract_facts("Card refunds take 5–10 business days; the API returns `refund_window_expired`.")
    b = extract_facts("between 5 and 10 business days, error refund_window_expired")
    assert Fact("range", "5-10", "business day") in a and Fact("range", "5-10", "business day") in b
    assert Fact("code", "refund_window_expired") in a and Fact("ident", "refund_window_expired") in b
    c = extract_facts(
        'Run it with --dry-run on v1.4.2; it costs $15.00 or 2.9% and says "Your card was declined".'
    )
    assert {
        Fact("flag", "--dry-run"),
        Fact("version", "1.4.2"),
        Fact("number", "$15"),
        Fact("number", "2.9", "%"),
    } <= c
    assert Fact("quoted", "your card was declined") in c
    assert Fact("negation", "not") in extract_facts("The fee isn't returned.")
    assert not any(f.kind == "number" for f in extract_facts("1. Open the Dashboard.\n2. Click Refund."))


def test_cited_texts_fall_back_to_retrieved_passages_of_cited_sources() -> None:
    rec = record("acme-001", "x", cited=[])
    rec.citations = ["refunds.md"]
    rec.retrieved = [
        RetrievedContext(source="payouts.md", text="payout text"),
        RetrievedContext(source="refunds.md", text="refund text"),
    ]
    assert cited_texts(rec) == ["refund text"]


def test_truncated_sentence_is_incomplete_even_without_key_facts() -> None:
    rec = record("acme-038", "Once an invoice is finalized its line items are fixed, [1].")
    p = assess(rec)
    assert p.dangling and p.verdict == "incomplete"
    rec.answer = "Once an invoice is finalized its line items are fixed; to change the amount, void it and create a new one [1]."
    assert assess(rec).verdict == "correct", assess(rec).reasons


def test_reference_markup_does_not_become_key_facts() -> None:
    long_code = "`" + "x" * 90 + "`"
    text = f"Steps: 1. Add the module {long_code}. 2. Set `webhookSecret` and `application/json`, and `push`."
    facts = {f.value for f in extract_facts(text) if f.kind == "code"}
    assert facts == {"webhooksecret", "application/json", "push"}
    assert not any(f.kind == "number" for f in extract_facts(text))


def test_a_side_remark_negation_is_not_a_key_fact_but_a_negated_lead_is() -> None:
    # acme-007's "don't" sits in its second sentence; the lead alone is complete
    rec = record(
        "acme-007", "For most disputes the `evidence_due_by` deadline is 14 calendar days after creation [1]."
    )
    p = assess(rec)
    assert p.verdict == "correct" and p.keyfact_recall == 1.0 and "(negation)" not in p.missing_facts
    # acme-031 leads with "No.": dropping the negation drops the answer
    p = assess(record("acme-031", "Support Specialists can refund charges and respond to disputes [1]."))
    assert "(negation)" in p.missing_facts


def test_a_colon_followed_by_its_list_or_code_is_not_dangling() -> None:
    from evals.metrics.correctness import dangling

    assert not dangling("If you see an attack in progress [1]:\n1. Add a rule.\n2. Add a CAPTCHA.")
    assert not dangling("Add the following to your ConfigMap [1]:\n```yaml\nplugins: []\n```")
    assert dangling("The procedure to activate the plugin is: [1].")
    assert dangling("The steps are: [1]. See the guide for more [2].")
    assert dangling("It delivers curated learning paths, [1].")
    assert not dangling("Refunds take 5-10 business days; see the dashboard [1].")


def test_code_block_content_is_neither_heading_nor_dangling() -> None:
    answer = (
        "StarredDropdown displays the Starred Items menu, as shown in the following configuration [1]:\n"
        "```yaml\n# Group: Global Header\n- mountPoint: global.header/component\n  config:\n    priority: 85\n```"
    )
    rec = record("acme-001", answer, cited=[answer])
    rec.reference_answer = (
        "StarredDropdown is configured with mountPoint global.header/component and priority 85."
    )
    p = assess(rec)
    assert not p.dangling and p.verdict == "correct", p.reasons
