"""LLM re-rank of zero-shot candidates, with LiteLLM's mock_response (no real model)."""

from __future__ import annotations

import json

import pytest

from deskpilot.settings import Settings
from triage.loader import capable_llm
from triage.schema import Candidate
from triage.zeroshot import llm_rerank

QUEUES = {"billing": "invoices and refunds", "fraud": "stolen cards and scams", "tech": "app errors"}
CANDS = [Candidate(queue="billing", score=0.5), Candidate(queue="fraud", score=0.4)]


def test_rerank_picks_the_llm_choice() -> None:
    reply = json.dumps({"queue": "fraud", "confidence": 0.87})
    got = llm_rerank("someone used my card", CANDS, QUEUES, model="openai/gpt-4o-mini", mock_response=reply)
    assert got == Candidate(queue="fraud", score=0.87)


def test_rerank_ignores_an_off_list_choice() -> None:
    reply = json.dumps({"queue": "tech", "confidence": 0.9})
    assert llm_rerank("x", CANDS, QUEUES, model="openai/gpt-4o-mini", mock_response=reply) is None


def test_rerank_survives_a_bad_reply() -> None:
    assert llm_rerank("x", CANDS, QUEUES, model="openai/gpt-4o-mini", mock_response="not json") is None


@pytest.mark.parametrize(
    ("model", "enabled", "expected"),
    [
        ("local/smollm2", True, None),
        ("openai/gpt-4o-mini", True, "openai/gpt-4o-mini"),
        ("openai/gpt-4o-mini", False, None),
    ],
)
def test_rerank_only_with_a_capable_llm(model: str, enabled: bool, expected: str | None) -> None:
    assert capable_llm(Settings(llm_model=model, triage_llm_rerank=enabled)) == expected
