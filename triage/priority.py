"""Ticket priority P1–P4: readable keyword/tone rules from a YAML file a user can edit.

A trained priority model (when the training data has a priority column) lives with the
triage model (see :mod:`triage.model`); these rules are the fallback.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from deskpilot.exceptions import ConfigError
from triage.schema import Priority

DEFAULT_RULES = Path(__file__).resolve().parent / "rules" / "priority.yaml"
LEVELS: tuple[Priority, ...] = ("P1", "P2", "P3", "P4")


class PriorityRule(BaseModel):
    name: str
    priority: Priority
    words: list[str] = Field(min_length=1)


class PriorityRules(BaseModel):
    default: Priority = "P3"
    angry_sentiment: float = -0.6
    angry_bump: int = Field(default=1, ge=0, le=3)
    rules: list[PriorityRule] = Field(default_factory=list)

    def _pattern(self, rule: PriorityRule) -> re.Pattern[str]:
        alts = "|".join(re.escape(w.lower()) for w in rule.words)
        return re.compile(rf"(?<!\w)(?:{alts})(?!\w)")

    def matches(self, text: str) -> list[PriorityRule]:
        low = text.lower()
        return [r for r in self.rules if self._pattern(r).search(low)]

    def apply(self, text: str, sentiment: float) -> tuple[Priority, list[str]]:
        """Priority and the names of the rules that fired (``angry`` for the tone bump)."""
        level = LEVELS.index(self.default)
        fired: list[str] = []
        for rule in self.matches(text):
            level = min(level, LEVELS.index(rule.priority))
            fired.append(rule.name)
        if sentiment <= self.angry_sentiment and self.angry_bump:
            level = max(0, level - self.angry_bump)
            fired.append("angry")
        return LEVELS[level], fired


@lru_cache(maxsize=8)
def load_rules(path: Path | None = None) -> PriorityRules:
    target = path or DEFAULT_RULES
    try:
        raw = yaml.safe_load(target.read_text(encoding="utf-8")) or {}
        return PriorityRules.model_validate(raw)
    except FileNotFoundError as exc:
        raise ConfigError(f"priority rules file not found: {target}") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise ConfigError(f"bad priority rules file {target}: {first}") from exc
