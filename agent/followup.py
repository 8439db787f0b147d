"""Follow-up turns resolved against the thread, without a model.

A follow-up ("and what if she still doesn't see it?") has few words of its own: searched alone it
finds whatever shares its function words. :func:`is_followup` recognises one (a leading cue such as
"and" / "what about", a pronoun standing for something said before, or almost no content words);
:func:`standalone_query` then adds the content words of the turn(s) it follows and the title of the
guide the previous answer cited, so retrieval and unit selection see the topic. A turn with words
of its own and no cue is a new topic and is searched as typed: the thread never pollutes it.

:func:`history_messages` gives the prior turns for an answer prompt, newest first into a token
budget, oldest first in the prompt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from agent.grounding import content_tokens

# a turn that opens like this continues the previous one, whatever follows
_STRONG_CUE_RE = re.compile(
    r"^\s*(?:(?:and|but|so|ok(?:ay)?)[\s,]+)?(?:what about|how about|what if|if|what else|anything else|"
    r"same for|why not|is that|does that|even)\b",
    re.IGNORECASE,
)
# a turn that opens like this may continue it or start a new topic ("And how do I close my account?")
_WEAK_CUE_RE = re.compile(r"^\s*(?:and|but|also|so|then|ok(?:ay)?|or|plus|still)\b", re.IGNORECASE)
# the user says the topic changes
_SWITCH_RE = re.compile(
    r"\b(?:different|another|new|separate|unrelated|other) (?:question|topic|thing|subject)\b|"
    r"\bunrelated\b|\bchang(?:e|ing) (?:the )?(?:subject|topic)\b",
    re.IGNORECASE,
)
# words that point back at something said before: pronouns with no noun of their own, ellipsis
ANAPHORA = frozenset(
    [
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "they",
        "them",
        "their",
        "she",
        "her",
        "he",
        "him",
        "his",
        "there",
        "one",
        "ones",
        "same",
        "above",
        "such",
        "former",
        "latter",
        "anyway",
        "instead",
        "too",
        "either",
        "otherwise",
    ]
)
_WORD = re.compile(r"[a-z0-9']+")
_PLACEHOLDER = re.compile(r"\[[A-Z_]+_\d+\]")
# generic words that say what kind of question it is, not what it is about
_GENERIC = frozenset(
    [
        "long",
        "take",
        "takes",
        "happen",
        "happens",
        "mean",
        "means",
        "work",
        "works",
        "get",
        "see",
        "still",
        "doesn't",
        "don't",
        "isn't",
        "won't",
        "can't",
        "need",
        "needs",
        "want",
        "way",
        "ways",
        "much",
        "many",
        "time",
        "else",
        "instead",
        "wrong",
        "again",
        "now",
        "first",
        "later",
        "anyway",
        "too",
        "either",
        "otherwise",
    ]
)
MAX_CARRIED_TERMS = 12


class Turn(BaseModel):
    """One earlier turn of the thread as :func:`standalone_query` reads it."""

    question: str
    answer: str = ""
    titles: list[str] = Field(default_factory=list, description="titles of the guides it cited")
    mode: str = Field(default="", description="how it was answered (answer_mode); smalltalk carries no topic")


def own_terms(text: str) -> list[str]:
    """Content words of ``text`` in order (stop words and generic question words dropped)."""
    text = _PLACEHOLDER.sub(" ", text)  # "[EMAIL_1]" is no topic
    seen = content_tokens(text)
    out: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word in seen and word not in _GENERIC and word not in out:
            out.append(word)
    return out


def is_followup(question: str, has_history: bool) -> bool:
    """Whether ``question`` only makes sense after the turn before it: a strong cue ("what
    about", "what if"), a pronoun or ellipsis with few words of its own, a weak cue ("and",
    "also") with few words of its own or a pronoun, or almost no content words at all. A turn
    that says the topic changes ("different question") never is."""
    if not has_history or _SWITCH_RE.search(question):
        return False
    if _STRONG_CUE_RE.match(question):
        return True
    terms = own_terms(question)
    back = bool(set(_WORD.findall(question.lower())) & ANAPHORA)
    if back and len(terms) <= 3:
        return True
    if _WEAK_CUE_RE.match(question):
        return back or len(terms) <= 3
    return len(terms) <= 1


def standalone_query(question: str, turns: Sequence[Turn]) -> str:
    """``question`` plus what it refers to; ``turns`` are the earlier turns, oldest first.

    The previous turn's words come first; when that turn was itself a follow-up, the one before it
    is carried too (a chain of follow-ups keeps its topic). The cited guide's title is added once."""
    if not turns or not is_followup(question, True):
        return question
    mine = set(own_terms(question))
    carried: list[str] = []
    turns = [t for t in turns if t.mode != "smalltalk"]  # "thanks!" between turns carries nothing
    if not turns:
        return question
    for i in range(len(turns) - 1, -1, -1):
        for word in own_terms(turns[i].question):
            if word not in mine and word not in carried:
                carried.append(word)
        if not is_followup(turns[i].question, i > 0):
            break
    for title in turns[-1].titles[:1]:
        for word in own_terms(title):
            if word not in mine and word not in carried:
                carried.append(word)
    carried = carried[:MAX_CARRIED_TERMS]
    return f"{question.strip()} {' '.join(carried)}".strip() if carried else question


def turns_from_messages(messages: Sequence[Any]) -> list[Turn]:
    """Earlier turns of a thread from its LangGraph messages (the current question excluded)."""
    turns: list[Turn] = []
    for m in messages:
        kind = getattr(m, "type", "")
        if kind == "human":
            turns.append(Turn(question=str(m.content)))
        elif kind == "ai" and turns:
            cites = (getattr(m, "additional_kwargs", None) or {}).get("citations") or []
            titles = [str(c.get("title") or "") for c in cites if isinstance(c, dict) and c.get("title")]
            mode = str((getattr(m, "additional_kwargs", None) or {}).get("mode") or "")
            turns[-1] = turns[-1].model_copy(
                update={"answer": str(m.content), "titles": titles, "mode": mode}
            )
    return turns[:-1]  # the last human message is the turn being answered


def history_messages(
    turns: Sequence[Turn], budget_tokens: int, count: Callable[[str], int]
) -> list[dict[str, str]]:
    """Chat messages of the prior turns that fit ``budget_tokens`` (``count`` tokens a text):
    whole turns only, the newest kept first, returned oldest first."""
    kept: list[dict[str, str]] = []
    used = 0
    for turn in reversed(turns):
        pair = [{"role": "user", "content": turn.question}]
        if turn.answer:
            pair.append({"role": "assistant", "content": turn.answer})
        cost = sum(count(m["content"]) + 4 for m in pair)  # + a few tokens of role markup
        if used + cost > budget_tokens:
            break
        kept[:0] = pair
        used += cost
    return kept


def with_history(messages: list[dict[str, str]], history: list[dict[str, str]]) -> list[dict[str, str]]:
    """``messages`` (system, …, final user) with ``history`` inserted before the final user message."""
    if not history or not messages:
        return messages
    return [*messages[:-1], *history, messages[-1]]
