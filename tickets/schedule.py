"""Periodic jobs on the task queue: a cron expression (huey's ``crontab``, minute granularity,
UTC) and a guard that runs a job once per scheduled minute and never two at a time.

Every consumer with periodic tasks enabled enqueues the job when the cron matches, so two
processes on one queue (``serve`` with its in-process worker and ``deskpilot worker``) would
both enqueue it. :class:`OncePerSlot` makes that harmless: it takes a lock in the queue's own
storage (SQLite file or Redis, shared by every process on the queue), skips when the lock is
held (a run still going: no overlap), and skips a slot — the latest minute the cron matches —
that already ran. A lock older than ``lock_ttl_s`` (a process killed mid-run) is taken over.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Literal

from huey import crontab
from huey.api import Huey

from deskpilot.exceptions import UserInputError

log = logging.getLogger(__name__)
CronCheck = Callable[[datetime], bool]
SlotOutcome = Literal["ran", "locked", "done_already"]
SLOT_LOOKBACK = timedelta(days=8)  # any 5-field cron that is not monthly/yearly matches within it


def parse_cron(expr: str) -> CronCheck:
    """``"m h dom mon dow"`` → a predicate over (naive UTC) datetimes; UserInputError (exit 2) if invalid."""
    fields = expr.split()
    if len(fields) != 5:
        raise UserInputError(
            f"cron expression {expr!r} needs 5 fields (minute hour day month day-of-week), got {len(fields)}"
        )
    try:
        check: CronCheck = crontab(*fields, strict=True)
    except ValueError as exc:
        raise UserInputError(f"cron expression {expr!r}: {exc}") from None
    return check


def last_slot(check: CronCheck, now: datetime) -> datetime:
    """The latest minute at or before ``now`` the cron matches (``now``'s minute if none is
    found within :data:`SLOT_LOOKBACK`). Two enqueues of one scheduled run share it."""
    minute = now.replace(second=0, microsecond=0, tzinfo=None)
    t = minute
    while minute - t <= SLOT_LOOKBACK:
        if check(t):
            return t
        t -= timedelta(minutes=1)
    return minute


class OncePerSlot:
    """Wraps ``job`` so that, across every process on ``huey``'s storage, one run is in flight
    at a time and each scheduled slot runs once."""

    def __init__(
        self,
        huey: Huey,
        name: str,
        check: CronCheck,
        job: Callable[[], object],
        *,
        lock_ttl_s: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.huey, self.name, self.check, self.job = huey, name, check, job
        self.lock_ttl_s = lock_ttl_s
        self.clock = clock
        self.lock_key = f"{name}.lock"
        self.slot_key = f"{name}.last_slot"

    def _acquire(self) -> bool:
        mine = json.dumps({"owner": f"{socket.gethostname()}:{os.getpid()}", "since": time.time()})
        if self.huey.put_if_empty(self.lock_key, mine):
            return True
        held = self.huey.get(self.lock_key, peek=True)
        since = float(json.loads(held).get("since", 0)) if isinstance(held, str) else 0.0
        if time.time() - since < self.lock_ttl_s:
            return False
        log.warning(
            "%s: taking over a lock held since %s (older than %ss)", self.name, since, self.lock_ttl_s
        )
        self.huey.delete(self.lock_key)
        return bool(self.huey.put_if_empty(self.lock_key, mine))

    def __call__(self) -> SlotOutcome:
        slot = last_slot(self.check, self.clock()).isoformat(timespec="minutes")
        if not self._acquire():
            log.info("%s: the previous run is still going; slot %s skipped", self.name, slot)
            return "locked"
        try:
            if self.huey.get(self.slot_key, peek=True) == slot:
                log.info("%s: slot %s already ran (enqueued twice)", self.name, slot)
                return "done_already"
            self.huey.put(self.slot_key, slot)
            self.job()
            return "ran"
        finally:
            self.huey.delete(self.lock_key)
