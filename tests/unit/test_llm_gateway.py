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


def test_the_caller_run_chooses_model_fallbacks_timeout_and_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """No global settings: what reaches LiteLLM is what the run configuration says."""
    import litellm

    from deskpilot.runconfig import RunConfig

    monkeypatch.setenv("DESKPILOT_LLM_MODEL", "openai/from-the-environment")  # must be ignored
    seen: list[dict[str, object]] = []
    real = litellm.completion

    def recording(**kwargs: object) -> object:
        seen.append(kwargs)
        return real(**{k: v for k, v in kwargs.items() if k != "fallbacks"}, mock_response="ok")

    monkeypatch.setattr(litellm, "completion", recording)
    run = RunConfig(
        llm_model="openai/model-x", llm_fallbacks=("openai/model-y",), llm_timeout_s=7.5, llm_retries=3
    )
    assert llm.chat(MESSAGES, **run.llm_kwargs(max_tokens=9)).text == "ok"
    call = seen[0]
    assert (call["model"], call["fallbacks"], call["timeout"], call["num_retries"], call["max_tokens"]) == (
        "openai/model-x",
        ["openai/model-y"],
        7.5,
        3,
        9,
    )
