"""The gateway against LiteLLM's own mock boundary; the real model is forbidden here."""

import asyncio

import pytest
from pydantic import BaseModel

from deskpilot import llm
from deskpilot.exceptions import ModelError

MESSAGES = [{"role": "user", "content": "hello"}]


class Verdict(BaseModel):
    label: str
    score: float


def test_chat_returns_text_and_usage_through_litellm() -> None:
    reply = llm.chat(MESSAGES, mock_response="Hi there.")
    assert reply.text == "Hi there."
    assert reply.completion_tokens > 0
    assert reply.cost_usd == 0.0


def test_stream_yields_deltas_that_join_to_the_reply() -> None:
    parts = list(llm.stream(MESSAGES, mock_response="one two three"))
    assert len(parts) > 1
    assert "".join(parts) == "one two three"


def test_async_paths() -> None:
    async def run() -> tuple[str, str]:
        reply = await llm.achat(MESSAGES, mock_response="async ok")
        parts = [p async for p in llm.astream(MESSAGES, mock_response="streamed ok")]
        return reply.text, "".join(parts)

    assert asyncio.run(run()) == ("async ok", "streamed ok")


def test_structured_validates_json() -> None:
    verdict, reply = llm.structured(MESSAGES, Verdict, mock_response='{"label": "refunds", "score": 0.9}')
    assert verdict == Verdict(label="refunds", score=0.9)
    assert reply.text.startswith("{")
    with pytest.raises(ModelError, match="did not match Verdict"):
        llm.structured(MESSAGES, Verdict, mock_response='{"label": 3}')


def test_unit_tests_cannot_reach_the_real_local_model() -> None:
    with pytest.raises(ModelError, match="unit tests may not run the real model"):
        llm.chat(MESSAGES, max_tokens=2)


def test_provider_errors_become_model_errors() -> None:
    with pytest.raises(ModelError, match="LLM call failed"):
        llm.chat(MESSAGES, model="openai/gpt-4o-mini", api_key="x", num_retries=0)
