"""Prometheus metrics (one registry per app): HTTP traffic, LLM usage, queue, triage, outcomes,
and the nightly eval (``deskpilot_eval_nightly_*``, set by ``evals.schedule`` in the process that
runs it: ``serve``'s /metrics with the in-process worker, ``deskpilot worker`` on
``worker_metrics_port``)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Telemetry:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.requests = Counter(
            "deskpilot_http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "deskpilot_http_request_duration_seconds",
            "HTTP latency (streams: until the last byte)",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.tokens = Counter("deskpilot_llm_tokens", "LLM tokens", ["kind"], registry=r)
        self.cost = Counter("deskpilot_llm_cost_usd", "LLM cost in USD", registry=r)
        self.queue_depth = Gauge("deskpilot_queue_depth", "tasks waiting in the ticket queue", registry=r)
        self.tickets = Gauge("deskpilot_tickets", "tickets by status", ["status"], registry=r)
        self.triage_confidence = Histogram(
            "deskpilot_triage_confidence",
            "triage confidence of processed tickets",
            buckets=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0),
            registry=r,
        )
        self.abstentions = Counter("deskpilot_abstentions", "answers withheld", ["source"], registry=r)
        self.escalations = Counter("deskpilot_escalations", "hand-offs to a human", ["source"], registry=r)
        self.nightly_passed = Gauge(
            "deskpilot_eval_nightly_passed",
            "last nightly eval: 1 gate passed, 0 failed, NaN none/crashed",
            registry=r,
        )
        self.nightly_passed.set(math.nan)
        self.nightly_metric = Gauge(
            "deskpilot_eval_nightly_metric", "metrics of the last nightly eval", ["metric"], registry=r
        )
        self.nightly_last_run = Gauge(
            "deskpilot_eval_nightly_last_run_timestamp_seconds",
            "when the last nightly eval ended",
            registry=r,
        )
        self.nightly_duration = Gauge(
            "deskpilot_eval_nightly_duration_seconds", "wall time of the last nightly eval", registry=r
        )
        self.nightly_baseline = Gauge(
            "deskpilot_eval_nightly_has_baseline",
            "1 if the last nightly was compared with an accepted run",
            registry=r,
        )
        self.nightly_runs = Counter(
            "deskpilot_eval_nightly_runs", "nightly evals run by this process", ["outcome"], registry=r
        )

    def observe_usage(self, usage: dict[str, Any] | None) -> None:
        usage = usage or {}
        self.tokens.labels("prompt").inc(int(usage.get("prompt_tokens") or 0))
        self.tokens.labels("completion").inc(int(usage.get("completion_tokens") or 0))
        self.cost.inc(float(usage.get("cost_usd") or 0.0))

    def observe_chat(self, done: dict[str, Any]) -> None:
        self.observe_usage(done.get("usage"))
        if done.get("answer_mode") == "abstained":
            self.abstentions.labels("chat").inc()
        if done.get("escalated"):
            self.escalations.labels("chat").inc()

    def observe_assist(self, result: dict[str, Any]) -> None:
        self.observe_usage(result.get("usage"))
        triage = result.get("triage") or {}
        if triage.get("confidence") is not None:
            self.triage_confidence.observe(float(triage["confidence"]))
        if result.get("answer_mode") == "abstained":
            self.abstentions.labels("ticket").inc()
        if result.get("escalated"):
            self.escalations.labels("ticket").inc()

    def observe_nightly(
        self,
        outcome: str,
        *,
        passed: bool | None,
        metrics: Mapping[str, float | None],
        finished_at: float,
        duration_s: float | None,
        has_baseline: bool,
    ) -> None:
        """``outcome``: passed | failed | error (counted) or restored (gauges only, at start)."""
        if outcome != "restored":
            self.nightly_runs.labels(outcome).inc()
        self.nightly_passed.set(math.nan if passed is None else float(passed))
        self.nightly_last_run.set(finished_at)
        if duration_s is not None:
            self.nightly_duration.set(duration_s)
        self.nightly_baseline.set(float(has_baseline))
        if outcome == "error":
            return  # keep the last run's metrics: a crash measured nothing
        self.nightly_metric.clear()
        for name, value in metrics.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.nightly_metric.labels(name).set(float(value))

    def render(self, refresh: Callable[[Telemetry], None] | None = None) -> bytes:
        if refresh is not None:
            refresh(self)
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts requests and latency by route template (not raw path: bounded label values)."""

    def __init__(self, app: ASGIApp, telemetry: Telemetry) -> None:
        self.app = app
        self.telemetry = telemetry

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self.telemetry.requests.labels(method, path, str(status)).inc()
            self.telemetry.latency.labels(method, path).observe(time.perf_counter() - start)
