"""The one seam for model calls: thin wrappers over ``litellm.completion``.

The caller chooses the model, fallbacks, timeout and retries — from its run configuration
(``deskpilot.runconfig.RunConfig.llm_kwargs()``); nothing here reads global settings. The local
engine's file and context size are infrastructure, bound once per process by the entry point
(:func:`configure_local`; defaults otherwise). Callers get text plus usage
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
from deskpilot.settings import LOCAL_MODEL, Settings

T = TypeVar("T", bound=BaseModel)
_registered = threading.Lock()
_provider: Any = None
_local: dict[str, Any] = {"path": None, "n_ctx": 8192, "n_threads": None}


def configure_local(settings: Settings) -> None:
    """Bind the local engine's file, context size and threads (entry points call it once; a
    provider already registered keeps its engine)."""
    _local.update(
        path=settings.local_model_path, n_ctx=settings.local_n_ctx, n_threads=settings.local_n_threads
    )


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
    if settings is not None and _provider is None:
        configure_local(settings)
    if _provider is not None:
        return
    with _registered:
        if _provider is not None:
            return
        import litellm

        from deskpilot.llm.local import LocalEngine, LocalLLMProvider, default_gguf_path

        n_ctx = int(_local["n_ctx"])

        def factory() -> LocalEngine:
            path = _local["path"] or default_gguf_path()
            return LocalEngine(path, n_ctx=n_ctx, n_threads=_local["n_threads"])

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
                    "max_tokens": n_ctx,
                    "max_input_tokens": n_ctx,
                    "max_output_tokens": 2048,
                }
            }
        )


def local_engine() -> Any:
    """The in-process engine (for doctor/benchmarks); registers the provider if needed."""
    ensure_registered()
    return _provider.engine


def _call_kwargs(
    model: str | None,
    fallbacks: list[str] | tuple[str, ...] | None,
    timeout_s: float,
    retries: int,
    max_tokens: int,
    temperature: float,
    extra: dict[str, Any],
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": model or LOCAL_MODEL,
        "timeout": timeout_s,
        "num_retries": retries,
        "max_tokens": max_tokens,
        "temperature": temperature,
    }
    if fallbacks:
        kwargs["fallbacks"] = list(fallbacks)
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


def chat(
    messages: list[dict[str, Any]],
    *,
    model: str | None = None,
    fallbacks: list[str] | tuple[str, ...] | None = None,
    timeout_s: float = 60.0,
    retries: int = 1,
    max_tokens: int = 384,
    temperature: float = 0.0,
    **extra: Any,
) -> LLMReply:
    import litellm

    ensure_registered()
    call = _call_kwargs(model, fallbacks, timeout_s, retries, max_tokens, temperature, extra)
    try:
        response = litellm.completion(messages=messages, **call)
    except Exception as exc:
        raise ModelError(f"LLM call failed: {_short(exc)}") from exc
    return _reply(response)


async def achat(
    messages: list[dict[str, Any]],
    *,
    model: str | None = None,
    fallbacks: list[str] | tuple[str, ...] | None = None,
    timeout_s: float = 60.0,
    retries: int = 1,
    max_tokens: int = 384,
    temperature: float = 0.0,
    **extra: Any,
) -> LLMReply:
    import litellm

    ensure_registered()
    call = _call_kwargs(model, fallbacks, timeout_s, retries, max_tokens, temperature, extra)
    try:
        response = await litellm.acompletion(messages=messages, **call)
    except Exception as exc:
        raise ModelError(f"LLM call failed: {_short(exc)}") from exc
    return _reply(response)


def stream(
    messages: list[dict[str, Any]],
    *,
    model: str | None = None,
    fallbacks: list[str] | tuple[str, ...] | None = None,
    timeout_s: float = 60.0,
    retries: int = 1,
    max_tokens: int = 384,
    temperature: float = 0.0,
    **extra: Any,
) -> Iterator[str]:
    """Yield text deltas."""
    import litellm

    ensure_registered()
    call = _call_kwargs(model, fallbacks, timeout_s, retries, max_tokens, temperature, extra)
    try:
        response = litellm.completion(messages=messages, stream=True, **call)
        for chunk in response:
            delta = chunk.choices[0].delta.content if chunk.choices else None
            if delta:
                yield delta
    except Exception as exc:
        raise ModelError(f"LLM stream failed: {_short(exc)}") from exc


async def astream(
    messages: list[dict[str, Any]],
    *,
    model: str | None = None,
    fallbacks: list[str] | tuple[str, ...] | None = None,
    timeout_s: float = 60.0,
    retries: int = 1,
    max_tokens: int = 384,
    temperature: float = 0.0,
    **extra: Any,
) -> AsyncIterator[str]:
    import litellm

    ensure_registered()
    call = _call_kwargs(model, fallbacks, timeout_s, retries, max_tokens, temperature, extra)
    try:
        response = await litellm.acompletion(messages=messages, stream=True, **call)
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
