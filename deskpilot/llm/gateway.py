"""The one seam for model calls: thin wrappers over ``litellm.completion``.

Settings choose the model, fallbacks, timeout and retries. Callers get text plus usage
and cost; structured output takes a Pydantic model and returns a validated instance.
In unit tests a guard (tests/conftest.py) makes any real model call fail; tests pass
``mock_response`` through ``**extra`` the way LiteLLM documents it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from deskpilot.exceptions import ModelError
from deskpilot.settings import LOCAL_MODEL, Settings, get_settings

T = TypeVar("T", bound=BaseModel)
_registered = threading.Lock()
_provider: Any = None


@dataclass
class LLMReply:
    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def ensure_registered(settings: Settings | None = None) -> None:
    """Register ``local/*`` with LiteLLM once per process (cheap when already done)."""
    global _provider
    if _provider is not None:
        return
    with _registered:
        if _provider is not None:
            return
        import litellm

        from deskpilot.llm.local import LocalEngine, LocalLLMProvider, default_gguf_path

        s = settings or get_settings()

        def factory() -> LocalEngine:
            path = s.local_model_path or default_gguf_path()
            return LocalEngine(path, n_ctx=s.local_n_ctx, n_threads=s.local_n_threads)

        _provider = LocalLLMProvider(factory)
        litellm.custom_provider_map = [
            *[p for p in litellm.custom_provider_map if p.get("provider") != "local"],
            {"provider": "local", "custom_handler": _provider},
        ]
        litellm.suppress_debug_info = True
        # LiteLLM logs whole tracebacks for errors we already turn into ModelError
        for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        # a local model costs nothing; registering it keeps cost tracking from warning
        litellm.register_model(
            {
                LOCAL_MODEL: {
                    "litellm_provider": "local",
                    "mode": "chat",
                    "input_cost_per_token": 0.0,
                    "output_cost_per_token": 0.0,
                    "cache_creation_input_token_cost": 0.0,
                    "cache_read_input_token_cost": 0.0,
                    "max_tokens": s.local_n_ctx,
                    "max_input_tokens": s.local_n_ctx,
                    "max_output_tokens": 2048,
                }
            }
        )


def local_engine() -> Any:
    """The in-process engine (for doctor/benchmarks); registers the provider if needed."""
    ensure_registered()
    return _provider.engine


def _call_kwargs(settings: Settings, model: str | None, extra: dict[str, Any]) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": model or settings.llm_model,
        "timeout": settings.llm_timeout_s,
        "num_retries": settings.llm_retries,
        "max_tokens": settings.llm_max_tokens,
        "temperature": settings.llm_temperature,
    }
    if settings.llm_fallbacks and model is None:
        kwargs["fallbacks"] = list(settings.llm_fallbacks)
    kwargs.update(extra)
    return kwargs


def _cost(response: Any) -> float:
    import litellm

    try:
        return float(litellm.completion_cost(completion_response=response) or 0.0)
    except Exception:  # unknown model pricing: report zero rather than fail the answer
        return 0.0


def _reply(response: Any) -> LLMReply:
    usage = getattr(response, "usage", None)
    message = response.choices[0].message
    tool_calls = getattr(message, "tool_calls", None) or []
    return LLMReply(
        text=message.content or "",
        model=str(getattr(response, "model", "") or ""),
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        cost_usd=_cost(response),
        extra={"tool_calls": [tc.model_dump() for tc in tool_calls]} if tool_calls else {},
    )


def _short(exc: BaseException) -> str:
    """LiteLLM error strings can carry whole tracebacks: keep the first line."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return first[:300]


def chat(messages: list[dict[str, Any]], *, model: str | None = None, **extra: Any) -> LLMReply:
    import litellm

    settings = get_settings()
    ensure_registered(settings)
    try:
        response = litellm.completion(messages=messages, **_call_kwargs(settings, model, extra))
    except Exception as exc:
        raise ModelError(f"LLM call failed: {_short(exc)}") from exc
    return _reply(response)


async def achat(messages: list[dict[str, Any]], *, model: str | None = None, **extra: Any) -> LLMReply:
    import litellm

    settings = get_settings()
    ensure_registered(settings)
    try:
        response = await litellm.acompletion(messages=messages, **_call_kwargs(settings, model, extra))
    except Exception as exc:
        raise ModelError(f"LLM call failed: {_short(exc)}") from exc
    return _reply(response)


def stream(messages: list[dict[str, Any]], *, model: str | None = None, **extra: Any) -> Iterator[str]:
    """Yield text deltas."""
    import litellm

    settings = get_settings()
    ensure_registered(settings)
    try:
        response = litellm.completion(messages=messages, stream=True, **_call_kwargs(settings, model, extra))
        for chunk in response:
            delta = chunk.choices[0].delta.content if chunk.choices else None
            if delta:
                yield delta
    except Exception as exc:
        raise ModelError(f"LLM stream failed: {_short(exc)}") from exc


async def astream(
    messages: list[dict[str, Any]], *, model: str | None = None, **extra: Any
) -> AsyncIterator[str]:
    import litellm

    settings = get_settings()
    ensure_registered(settings)
    try:
        response = await litellm.acompletion(
            messages=messages, stream=True, **_call_kwargs(settings, model, extra)
        )
        async for chunk in response:
            delta = chunk.choices[0].delta.content if chunk.choices else None
            if delta:
                yield delta
    except Exception as exc:
        raise ModelError(f"LLM stream failed: {_short(exc)}") from exc


def json_schema_format(schema_model: type[BaseModel]) -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {
            "name": schema_model.__name__,
            "schema": schema_model.model_json_schema(),
            "strict": True,
        },
    }


def structured(
    messages: list[dict[str, Any]], schema_model: type[T], *, model: str | None = None, **extra: Any
) -> tuple[T, LLMReply]:
    """Ask for JSON matching ``schema_model``; raise ModelError if the reply does not validate."""
    reply = chat(messages, model=model, response_format=json_schema_format(schema_model), **extra)
    try:
        return schema_model.model_validate_json(reply.text), reply
    except ValidationError as exc:
        raise ModelError(f"model reply did not match {schema_model.__name__}: {exc}") from exc
