"""Prompt-injection heuristics for user messages and retrieved passages.

A user message that matches is refused and escalated; a passage sentence that matches is
dropped from the context before it reaches the model (passages are data, not instructions).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

PATTERNS: dict[str, re.Pattern[str]] = {
    "ignore_instructions": re.compile(
        r"\b(ignore|disregard|forget|override|bypass)\b.{0,40}\b(instructions?|rules|prompts?|guidelines|polic(y|ies))\b",
        re.I | re.S,
    ),
    "system_prompt": re.compile(r"\b(system|hidden|initial)\s+(prompt|instructions?|message)\b", re.I),
    "role_play": re.compile(r"\b(you are now|pretend (to be|you are)|act as (an?|the) (?!customer))", re.I),
    "jailbreak": re.compile(r"\b(jailbreak|developer mode|DAN mode|do anything now)\b", re.I),
    "exfiltrate": re.compile(
        r"\b(reveal|print|show|dump|list|export)\b.{0,30}\b(all|every|other)\b.{0,20}\b(customers?|cards?|api keys?|secrets?|passwords?)\b",
        re.I | re.S,
    ),
    "new_instructions": re.compile(r"\b(new|updated) instructions?\s*:", re.I),
    "assistant_tag": re.compile(r"(<\|?(im_start|system)\|?>|\[/?INST\]|###\s*(system|instruction))", re.I),
}


class InjectionVerdict(BaseModel):
    flagged: bool
    patterns: list[str] = Field(default_factory=list)


def check_injection(text: str) -> InjectionVerdict:
    hits = [name for name, pattern in PATTERNS.items() if pattern.search(text)]
    return InjectionVerdict(flagged=bool(hits), patterns=hits)


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


def strip_instructions(text: str) -> str:
    """Drop the sentences of a passage that look like instructions to the assistant."""
    parts = [s for s in _SENTENCE_SPLIT.split(text) if s.strip()]
    kept = [s for s in parts if not check_injection(s).flagged]
    return text if len(kept) == len(parts) else " ".join(kept)
