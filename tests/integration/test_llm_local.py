"""The embedded model, for real, through LiteLLM: sync, async, streaming, JSON schema."""

import asyncio
import json

import pytest
from pydantic import BaseModel

from deskpilot import llm
from deskpilot.settings import LOCAL_MODEL

pytestmark = pytest.mark.integration

MESSAGES = [{"role": "user", "content": "Name one colour."}]


class Colour(BaseModel):
    colour: str
    confident: bool


def test_completion_reports_usage_and_zero_cost() -> None:
    reply = llm.chat(MESSAGES, max_tokens=12)
    assert reply.text.strip()
    assert reply.prompt_tokens > 0 and reply.completion_tokens > 0
    assert reply.cost_usd == 0.0
    assert LOCAL_MODEL.split("/")[1] in reply.model


def test_sync_stream_yields_several_real_tokens() -> None:
    parts = list(llm.stream(MESSAGES, max_tokens=16))
    assert len(parts) >= 2
    assert "".join(parts).strip()


def test_async_completion_and_stream() -> None:
    async def run() -> tuple[str, list[str]]:
        reply = await llm.achat(MESSAGES, max_tokens=8)
        parts = [p async for p in llm.astream(MESSAGES, max_tokens=16)]
        return reply.text, parts

    text, parts = asyncio.run(run())
    assert text.strip()
    assert len(parts) >= 2


def test_json_schema_response_format_gives_schema_valid_json() -> None:
    value, reply = llm.structured(
        [{"role": "user", "content": "Pick a colour and say if you are confident. Answer in JSON."}],
        Colour,
        max_tokens=48,
    )
    assert isinstance(value, Colour)
    assert set(json.loads(reply.text)) == {"colour", "confident"}


def test_concurrent_calls_are_serialised_safely() -> None:
    async def run() -> list[str]:
        replies = await asyncio.gather(*(llm.achat(MESSAGES, max_tokens=6) for _ in range(3)))
        return [r.text for r in replies]

    assert all(t.strip() for t in asyncio.run(run()))
