"""Everything a running app holds: settings, engine, telemetry, rate limiter, queue, agent."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from api.limits import RateLimiter
from api.telemetry import Telemetry
from deskpilot.exceptions import NotFoundError
from deskpilot.settings import Settings
from tickets.queue import TicketQueue


class AgentHolder:
    """Builds the (heavy) ``AgentService`` on first use, once, thread-safely."""

    def __init__(self, settings: Settings, agent: Any = None) -> None:
        from deskpilot.runconfig import RunConfig, build_run_config

        self.settings = settings
        self._agent = agent
        self._owned = agent is None
        self._lock = threading.Lock()
        # the server's named runs, read (and validated) when the app starts: a bad file fails the start
        base = build_run_config(settings)
        self.variants: dict[str, RunConfig] = {
            name: RunConfig.from_yaml(path, base) for name, path in settings.run_variants.items()
        }

    def variant(self, name: str | None) -> Any:
        """The run a request asked for by name (None: the app's own run); unknown → 404 ``unknown_run``."""
        if name is None:
            return None
        if name not in self.variants:
            known = ", ".join(sorted(self.variants)) or "none configured"
            raise NotFoundError(f"unknown run {name!r} (known: {known})", code="unknown_run")
        return self.variants[name]

    def get(self) -> Any:
        if self._agent is None:
            with self._lock:
                if self._agent is None:
                    from agent.service import AgentService
                    from deskpilot.runconfig import build_run_config

                    # the app's run: the settings plus their run configuration file, built here
                    self._agent = AgentService(self.settings, run=build_run_config(self.settings))
        return self._agent

    @property
    def loaded(self) -> bool:
        return self._agent is not None

    def close(self) -> None:
        if self._owned and self._agent is not None:
            self._agent.close()
            self._agent = None


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    telemetry: Telemetry
    limiter: RateLimiter
    agents: AgentHolder
    queue: TicketQueue
    extras: dict[str, Any] = field(default_factory=dict)
