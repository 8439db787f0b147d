"""The nightly eval as a periodic task of the ticket queue (``tickets.queue.TicketQueue.schedule``).

``schedule_nightly(queue, settings, observer)`` is called by ``deskpilot worker`` and by
``deskpilot serve`` (in-process worker) when ``eval_nightly_cron`` is set. Each run is
``evals.nightly.run_nightly`` (baseline = the last accepted run, history in ``eval_runs``, trend
files); its outcome goes to the observer (Prometheus gauges, ``api.telemetry``) and a failed gate
or a crashed run is POSTed, signed like ticket callbacks, to ``eval_nightly_webhook_url``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import httpx

from deskpilot.exceptions import UserInputError
from deskpilot.settings import Settings
from evals.dataset import load_golden
from evals.gate import load_gate
from evals.nightly import NightlyOutcome, run_nightly
from evals.store import runs
from tickets.queue import TicketQueue
from tickets.schedule import parse_cron

log = logging.getLogger(__name__)
TASK_NAME = "deskpilot.nightly_eval"
EVENT_FAILED = "eval.nightly.failed"
EVENT_ERROR = "eval.nightly.error"


class NightlyObserver(Protocol):
    def observe_nightly(
        self,
        outcome: str,
        *,
        passed: bool | None,
        metrics: Mapping[str, float | None],
        finished_at: float,
        duration_s: float | None,
        has_baseline: bool,
    ) -> None: ...


class WebhookNotifier:
    """Signed POSTs (``Deskpilot-Signature``, ``Deskpilot-Event-Id``) through ``tickets.callback``."""

    def __init__(
        self, url: str, secret: str, settings: Settings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        from deskpilot.db import get_engine
        from tickets.callback import Callbacks

        self.url, self.secret = url, secret
        self.callbacks = Callbacks(get_engine(settings=settings), transport=transport)

    def notify(self, event: str, run_id: str, payload: dict[str, object]) -> bool:
        body = json.dumps({"event": event, **payload}, separators=(",", ":"), default=str).encode()
        ok = self.callbacks.deliver(self.url, self.secret, body, f"{event}:{run_id}")
        (log.info if ok else log.warning)("nightly webhook %s for %s: %s", event, run_id, ok)
        return ok


def notifier_from(settings: Settings, transport: httpx.BaseTransport | None = None) -> WebhookNotifier | None:
    url, secret = settings.eval_nightly_webhook_url, settings.eval_nightly_webhook_secret
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise UserInputError("eval_nightly_webhook_url must start with http:// or https://")
    if secret is None or not secret.get_secret_value():
        raise UserInputError(
            "eval_nightly_webhook_url needs eval_nightly_webhook_secret (notifications are signed)"
        )
    return WebhookNotifier(url, secret.get_secret_value(), settings, transport=transport)


class NightlyJob:
    """One nightly run with its side effects; the dataset and gate are checked at construction
    (start of the worker), so a wrong path fails at start, not at 2 a.m."""

    def __init__(
        self,
        settings: Settings,
        *,
        observer: NightlyObserver | None = None,
        notifier: WebhookNotifier | None = None,
    ) -> None:
        self.settings = settings
        self.dataset: Path = settings.eval_dataset
        self.gate_file: Path | None = settings.eval_gate
        self.dataset_hash = load_golden(self.dataset).hash  # UserInputError if missing/invalid
        if self.gate_file is not None:
            load_gate(self.gate_file)
        self.observer = observer
        self.notifier = notifier

    def __call__(self) -> NightlyOutcome | None:
        started = time.perf_counter()
        try:
            outcome = run_nightly(self.dataset, self.settings, gate_file=self.gate_file, trigger="nightly")
        except Exception as exc:
            log.exception("nightly eval failed to run")
            self._observe("error", None, {}, time.perf_counter() - started, False)
            if self.notifier is not None:
                stamp = datetime.now(UTC).isoformat(timespec="seconds")
                self.notifier.notify(
                    EVENT_ERROR, stamp, {"at": stamp, "error": f"{type(exc).__name__}: {exc}"}
                )
            return None
        duration = time.perf_counter() - started
        label = "passed" if outcome.passed else "failed"
        self._observe(label, outcome.passed, outcome.metrics, duration, outcome.baseline_run_id is not None)
        log.info("nightly eval %s: %s (baseline %s)", outcome.run_id, label, outcome.baseline_run_id)
        if outcome.passed is False and self.notifier is not None:
            self.notifier.notify(EVENT_FAILED, outcome.run_id, failure_payload(outcome))
        return outcome

    def _observe(
        self,
        label: str,
        passed: bool | None,
        metrics: Mapping[str, float | None],
        dur: float | None,
        base: bool,
    ) -> None:
        if self.observer is not None:
            self.observer.observe_nightly(
                label,
                passed=passed,
                metrics=metrics,
                finished_at=time.time(),
                duration_s=dur,
                has_baseline=base,
            )

    def prime(self) -> None:
        """Gauges from the newest recorded run on the dataset (a restarted worker still exports
        last night's result); the run counters start at zero."""
        if self.observer is None:
            return
        latest = runs(self.dataset_hash, limit=1)
        if latest:
            row = latest[0]
            self.observer.observe_nightly(
                "restored",
                passed=row.passed,
                metrics=row.metrics,
                finished_at=row.created_at.timestamp(),
                duration_s=None,
                has_baseline=row.baseline_run_id is not None,
            )


def failure_payload(outcome: NightlyOutcome) -> dict[str, object]:
    failures = [v.reason for v in outcome.gate.failures] if outcome.gate else []
    return {
        "run_id": outcome.run_id,
        "run_dir": outcome.run_dir,
        "dataset_hash": outcome.dataset_hash,
        "baseline_run_id": outcome.baseline_run_id,
        "passed": outcome.passed,
        "failures": failures,
        "metrics": outcome.metrics,
        "notes": outcome.notes,
    }


def schedule_nightly(
    queue: TicketQueue,
    settings: Settings,
    observer: NightlyObserver | None = None,
    *,
    transport: httpx.BaseTransport | None = None,
) -> NightlyJob | None:
    """Register the nightly on ``queue`` when ``eval_nightly_cron`` is set (else None). Raises
    UserInputError (exit 2) at start: a bad cron, a webhook without secret, a missing dataset or gate."""
    cron = settings.eval_nightly_cron.strip()
    if not cron:
        return None
    parse_cron(cron)  # the clearest error first
    job = NightlyJob(settings, observer=observer, notifier=notifier_from(settings, transport))
    queue.schedule(TASK_NAME, cron, job, lock_ttl_s=settings.eval_nightly_lock_ttl_s)
    job.prime()
    log.info("nightly eval scheduled: %r (UTC) on %s", cron, job.dataset)
    return job
