"""Scheduling on the task queue: cron parsing, the slot a run belongs to, the once-per-slot /
no-overlap guard on the queue's storage, the periodic task on TicketQueue."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from huey import MemoryHuey

from deskpilot.exceptions import UserInputError
from tickets.schedule import OncePerSlot, last_slot, parse_cron


def test_parse_cron_accepts_five_fields_and_rejects_the_rest() -> None:
    check = parse_cron("*/15 2 * * *")
    assert check(datetime(2026, 12, 7, 2, 30)) and not check(datetime(2026, 12, 7, 2, 31))
    assert not check(datetime(2026, 12, 7, 3, 30))
    with pytest.raises(UserInputError, match="needs 5 fields"):
        parse_cron("0 2 * *")
    with pytest.raises(UserInputError, match="61"):
        parse_cron("61 * * * *")
    with pytest.raises(UserInputError, match="cron expression"):
        parse_cron("every night")


def test_last_slot_is_the_latest_matching_minute() -> None:
    at = datetime(2026, 12, 7, 10, 37, 12, tzinfo=UTC)
    assert last_slot(parse_cron("*/15 * * * *"), at) == datetime(2026, 12, 7, 10, 30)
    assert last_slot(parse_cron("0 2 * * *"), at) == datetime(2026, 12, 7, 2, 0)
    early = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
    assert last_slot(parse_cron("0 2 * * *"), early) == datetime(2026, 12, 6, 2, 0)
    assert last_slot(parse_cron("* * * * *"), at) == datetime(2026, 12, 7, 10, 37)
    # a yearly cron has no match in the lookback: the current minute stands for the slot
    assert last_slot(parse_cron("0 0 1 1 *"), at) == datetime(2026, 12, 7, 10, 37)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _guard(huey: MemoryHuey, job: Any, clock: Clock, ttl: float = 3600) -> OncePerSlot:
    return OncePerSlot(huey, "t.nightly", parse_cron("0 * * * *"), job, lock_ttl_s=ttl, clock=clock)


def test_once_per_slot_runs_each_slot_once() -> None:
    huey, calls, clock = MemoryHuey(results=False), [], Clock(datetime(2026, 12, 7, 10, 0, 5, tzinfo=UTC))
    guard = _guard(huey, lambda: calls.append(clock.now), clock)
    assert guard() == "ran"
    clock.now += timedelta(seconds=50)  # a second enqueue of the 10:00 run (another process)
    assert guard() == "done_already"
    clock.now += timedelta(hours=1)
    assert guard() == "ran"
    assert len(calls) == 2 and not huey.is_locked("x")


def test_a_held_lock_skips_and_a_stale_one_is_taken_over() -> None:
    huey, calls, clock = MemoryHuey(results=False), [], Clock(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    guard = _guard(huey, lambda: calls.append(1), clock, ttl=600)
    huey.put_if_empty(guard.lock_key, json.dumps({"owner": "other", "since": time.time()}))
    assert guard() == "locked" and calls == []
    assert huey.get(guard.lock_key, peek=True) is not None  # the other run's lock is left alone
    huey.delete(guard.lock_key)
    huey.put_if_empty(guard.lock_key, json.dumps({"owner": "killed", "since": time.time() - 601}))
    assert guard() == "ran" and calls == [1]
    assert huey.get(guard.lock_key, peek=True) is None


def test_a_failing_job_releases_the_lock() -> None:
    huey, clock = MemoryHuey(results=False), Clock(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))

    def boom() -> None:
        raise RuntimeError("eval crashed")

    with pytest.raises(RuntimeError):
        _guard(huey, boom, clock)()
    clock.now += timedelta(hours=1)
    assert _guard(huey, lambda: None, clock)() == "ran"


def test_two_runs_never_overlap() -> None:
    huey, clock = MemoryHuey(results=False), Clock(datetime(2026, 12, 7, 10, 0, tzinfo=UTC))
    inside, started = threading.Event(), threading.Event()

    def slow() -> None:
        started.set()
        inside.wait(5)

    guard = _guard(huey, slow, clock)
    outcomes: list[str] = []
    first = threading.Thread(target=lambda: outcomes.append(guard()))
    first.start()
    assert started.wait(5)
    clock.now += timedelta(hours=1)  # the next slot arrives while the first run is still going
    outcomes.append(guard())
    inside.set()
    first.join(5)
    assert outcomes == ["locked", "ran"]


def test_ticket_queue_schedules_a_periodic_task() -> None:
    from deskpilot.settings import Settings
    from tickets.queue import TicketQueue

    queue = TicketQueue(Settings(queue_backend="memory"), None, lambda: None)  # type: ignore[arg-type]
    assert queue.consumer(in_thread=True).periodic is False
    ran: list[int] = []
    queue.schedule("t.nightly", "30 2 * * *", lambda: ran.append(1), lock_ttl_s=60)
    assert queue.consumer(in_thread=True).periodic is True
    due = queue.huey.read_periodic(datetime(2026, 12, 7, 2, 30))
    assert [t.name for t in due] == ["t.nightly"]
    assert queue.huey.read_periodic(datetime(2026, 12, 7, 2, 31)) == []
    queue.huey.execute(due[0])
    assert ran == [1]
    with pytest.raises(UserInputError):
        queue.schedule("t.bad", "*/0 * * *", lambda: None, lock_ttl_s=60)
