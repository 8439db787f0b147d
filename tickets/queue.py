"""The ticket queue on huey: SqliteHuey at ``$DATA_DIR/queue.db`` by default, RedisHuey
(``queue_backend=redis``) for several workers or machines, MemoryHuey for tests.

``TicketQueue`` owns the huey instance, registers the ``process_ticket`` task, enqueues,
re-enqueues unfinished tickets after a crash and runs a consumer inside a thread; ``schedule``
adds periodic jobs (the nightly eval), guarded by ``tickets.schedule.OncePerSlot``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer
from sqlalchemy import Engine

from deskpilot.exceptions import ConfigError
from deskpilot.settings import Settings
from tickets import store
from tickets.callback import Callbacks
from tickets.schedule import OncePerSlot, parse_cron
from tickets.worker import Assistant, AssistObserver, run_ticket

log = logging.getLogger(__name__)
TASK_RETRIES = 2
TASK_RETRY_DELAY_S = 2.0


def make_huey(settings: Settings) -> Huey:
    backend = settings.queue_backend
    if backend == "sqlite":
        path = settings.ensure_data_dir() / "queue.db"
        # no fsync per enqueue: the ticket row is the durable record, and a task lost with
        # the OS buffers is re-enqueued by recovery on the next start
        return SqliteHuey(name="deskpilot", filename=str(path), results=False, timeout=10, fsync=False)
    if backend == "redis":
        return RedisHuey(name="deskpilot", url=settings.redis_url, results=False)
    if backend == "memory":
        return MemoryHuey(name="deskpilot", results=False)
    raise ConfigError(f"unknown queue_backend {backend!r}: use sqlite | redis | memory")


class ThreadConsumer(Consumer):  # type: ignore[misc]  # huey ships no type hints
    """A huey consumer whose workers run as threads of this process (no signal handlers)."""

    def _set_signal_handlers(self) -> None:
        return None


class TicketQueue:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        assistant: Callable[[], Assistant],
        *,
        huey: Huey | None = None,
        callbacks: Callbacks | None = None,
        telemetry: AssistObserver | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.assistant = assistant
        self.huey = huey or make_huey(settings)
        self.callbacks = callbacks
        self.telemetry = telemetry
        self._consumer: Consumer | None = None
        self.periodic: list[str] = []
        self.task = self.huey.task(
            retries=TASK_RETRIES,
            retry_delay=TASK_RETRY_DELAY_S,
            retry_backoff=2,
            context=True,
            name="deskpilot.process_ticket",
        )(self._process)
        self.callback_task = self.huey.task(name="deskpilot.deliver_callback")(self._callback)

    def _process(self, ticket_id: str, task: Any = None) -> str:
        final = task is None or not task.retries
        return run_ticket(
            self.engine,
            self.assistant(),
            ticket_id,
            final_attempt=final,
            callbacks=self.callbacks,
            telemetry=self.telemetry,
        )

    def enqueue(self, ticket_id: str) -> None:
        self.task(ticket_id)

    def _callback(self, tenant: str, ticket_id: str) -> str | None:
        return self.callbacks.notify(tenant, ticket_id) if self.callbacks is not None else None

    def recover(self) -> int:
        """Re-enqueue tickets left queued/processing (a duplicate task is a no-op) and
        callbacks a crash left owed (delivered by the consumer, not at start-up)."""
        ids = store.unfinished(self.engine)
        for ticket_id in ids:
            self.enqueue(ticket_id)
        if ids:
            log.info("re-enqueued %d unfinished tickets", len(ids))
        if self.callbacks is not None:
            owed = store.callbacks_owed(self.engine)
            for tenant, ticket_id in owed:
                self.callback_task(tenant, ticket_id)
            if owed:
                log.info("re-enqueued %d owed callbacks", len(owed))
        return len(ids)

    def schedule(self, name: str, cron: str, job: Callable[[], object], *, lock_ttl_s: float) -> OncePerSlot:
        """Run ``job`` as a periodic task when ``cron`` (UTC, minute granularity) matches: once per
        scheduled minute across every process on this queue, never two at a time
        (``tickets.schedule``). Call before the consumer starts; a bad cron is a UserInputError."""
        guarded = OncePerSlot(self.huey, name, parse_cron(cron), job, lock_ttl_s=lock_ttl_s)

        def run() -> str:
            return guarded()

        self.huey.periodic_task(guarded.check, name=name)(run)
        self.periodic.append(name)
        return guarded

    def depth(self) -> int:
        return int(self.huey.pending_count())

    def consumer(self, workers: int = 1, *, in_thread: bool = True) -> Consumer:
        """``in_thread``: no signal handlers (serve); else a normal consumer for ``run()``."""
        cls = ThreadConsumer if in_thread else Consumer
        return cls(
            self.huey,
            workers=workers,
            periodic=bool(self.periodic),
            initial_delay=0.05,
            backoff=1.5,
            max_delay=1.0,
            check_worker_health=not in_thread,
            shutdown_timeout=30,
        )

    def start(self, workers: int = 1) -> None:
        """Start worker threads inside this process (``serve``)."""
        if self._consumer is None:
            self._consumer = self.consumer(workers)
            self._consumer.start()

    def stop(self) -> None:
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None
