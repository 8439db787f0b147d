"""PII redaction measured on our own fixture, type by type, plus non-redaction of ids/amounts."""

from pathlib import Path

import pytest

from agent.guard import redact
from agent.guard.measure import PIIItem, load_jsonl, pii_scores

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "guard" / "pii.jsonl"
ITEMS = [PIIItem(**d) for d in load_jsonl(FIXTURE)]


def test_fixture_is_large_enough() -> None:
    assert len(ITEMS) >= 150


@pytest.mark.parametrize("kind", ["CARD", "EMAIL", "PHONE", "IBAN", "SECRET"])
def test_recall_per_kind(kind: str) -> None:
    scores = pii_scores(i for i in ITEMS if any(p["kind"] == kind for p in i.pii))
    assert scores["recall"][kind] >= 0.99, scores["errors"]


def test_negatives_are_not_redacted() -> None:
    scores = pii_scores(i for i in ITEMS if i.keep)
    assert scores["negatives_kept"] == 1.0, scores["errors"]
    assert scores["precision"] >= 0.99


@pytest.mark.parametrize(
    "text",
    [
        "charge ch_3MtwBwLkdIwHu7ix28a3tqPa",
        "amount 1,234.56 EUR",
        "on 2026-11-23",
        "order 4242 4242 4242 4241",
    ],
)
def test_ids_amounts_dates_survive(text: str) -> None:
    assert redact(text).text == text


def test_secrets_and_phones_variants() -> None:
    out = redact(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw and key=9fA3kLm2Qx8Rt7Vb1Nc4Zp6Wy, call +44 20 7946 0958"
    )
    assert "whsec_" not in out.text and "9fA3" not in out.text and "7946" not in out.text
    assert set(out.kinds) == {"SECRET", "PHONE"}
