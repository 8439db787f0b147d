"""Bridge a blocking producer (llama.cpp, the sync LangGraph graph) into an async iterator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

T = TypeVar("T")


async def iterate_in_thread(produce: Callable[[Callable[[T], None]], None]) -> AsyncIterator[T]:
    """Run ``produce(emit)`` in a worker thread; yield each emitted item on the event loop,
    re-raise whatever the producer raises, and wait for the thread before finishing."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[T | BaseException | None] = asyncio.Queue()

    def emit(item: T) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, item)

    def run() -> None:
        try:
            produce(emit)
        except BaseException as exc:  # forwarded to the consumer
            loop.call_soon_threadsafe(queue.put_nowait, exc)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    worker = asyncio.ensure_future(asyncio.to_thread(run))
    try:
        while (item := await queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        await worker
