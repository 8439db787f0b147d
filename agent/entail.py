"""Entailment checks for answer sentences that are not copied verbatim from a passage.

Similarity and word overlap say a sentence is *about* the passage, not that the passage says it.
These checks reject the ways a close paraphrase still states something false (each returns a
reason, an empty list means no objection):

- ``unsupported_words``: more than a quarter of its content words are not in the passage;
- ``value``: a number, amount, duration, version, identifier, ``code`` span, quoted value or
  support status ("Technology Preview", "generally available") that the passage does not contain;
- ``polarity``: the negation of the sentence differs from the passage sentence that supports it
  ("is returned" vs "is not returned", "can" vs "cannot"), or it calls supported what the
  passage calls Technology Preview / not supported;
- ``restates_question``: most of its words come from the question and the rest (the claimed
  value or status) is not in the passage;
- ``user_words``: a good part of its content is the user's own words that the passage lacks —
  the customer's message is never evidence.
"""

from __future__ import annotations

import re

from agent.grounding import content_tokens, strip_cites
from agent.units import passage_units

_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "twelve": "12", "fifteen": "15",
    "twenty": "20", "thirty": "30", "hundred": "100",
}  # fmt: skip
_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_CODE = re.compile(r"`([^`]+)`")
_QUOTED = re.compile(r"[\"“]([^\"“”]{2,80})[\"”]")
_IDENT = re.compile(
    r"(?<![\w.])(?:[A-Za-z0-9]+(?:[_./:-][A-Za-z0-9]+)+|[a-z]+[A-Z][A-Za-z0-9]*|[A-Z]{2,}[0-9]*)(?![\w])"
)
STATUS = re.compile(
    r"\b(technology preview|developer preview|tech preview|generally available|general availability|"
    r"deprecated|end of life|beta|experimental)\b",
    re.I,
)
_SUPPORTED_CLAIM = re.compile(r"\b(fully supported|supported|generally available|production[- ]ready|GA)\b")
_LIMITED = re.compile(
    r"\b(technology preview|developer preview|tech preview|not (?:fully |yet )?supported|unsupported|"
    r"deprecated|experimental)\b",
    re.I,
)
_NEG = re.compile(
    r"\b(not|no|never|cannot|can't|won't|doesn't|don't|isn't|aren't|wasn't|weren't|shouldn't|mustn't|"
    r"didn't|hasn't|haven't|without|none|neither|nor|unable|unsupported)\b|n't\b",
    re.I,
)
_COMMON_CAPS = frozenset({"I", "A", "OK", "FAQ", "ID", "IDS", "URL", "URLS", "API", "APIS"})


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower().replace("–", "-").replace("—", "-")).strip()


def numbers(text: str) -> set[str]:
    found = {n.replace(",", "") for n in _NUM.findall(text)}
    found |= {_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", text.lower()) if w in _NUMBER_WORDS}
    return {n.rstrip("0").rstrip(".") if "." in n else n for n in found}


def values(text: str) -> set[str]:
    """Specific values a sentence asserts: identifiers, code spans, quoted values, statuses (lower-cased)."""
    out = {c.strip().lower() for c in _CODE.findall(text)}
    out |= {q.strip().lower() for q in _QUOTED.findall(text)}
    out |= {i.lower() for i in _IDENT.findall(_CODE.sub(" ", text)) if i.upper() not in _COMMON_CAPS}
    out |= {m.lower() for m in STATUS.findall(text)}
    return {v for v in out if not re.fullmatch(r"[\d.,]+|e\.g|i\.e|etc", v)}


def negated(text: str) -> bool:
    return bool(_NEG.search(text))


def supporting_sentence(claim: str, passage: str) -> str:
    """The passage unit sharing the most content words with ``claim`` (ties: the first)."""
    words = content_tokens(claim)
    best, score = "", -1.0
    candidates = [u.plain for u in passage_units(passage)] or [passage]
    for text in candidates:
        other = content_tokens(text)
        s = len(words & other) / max(1, len(words | other))
        if s > score:
            best, score = text, s
    return best


def check(claim: str, passage: str, *, question: str = "") -> list[str]:
    """Reasons to reject ``claim`` as a statement of ``passage`` (empty: no objection)."""
    plain = strip_cites(claim)
    reasons: list[str] = []
    p_norm = _norm(passage)
    missing_numbers = numbers(plain) - numbers(passage)
    missing_values = {
        v for v in values(plain) if _norm(v) not in p_norm and _norm(v).replace("-", "") not in p_norm
    }
    if missing_numbers or missing_values:
        reasons.append(f"value: {sorted(missing_numbers | missing_values)} not in the passage")
    words, p_words = content_tokens(plain), content_tokens(passage)
    if words and len(words - p_words) / len(words) > 0.25:
        reasons.append(f"unsupported_words: {sorted(words - p_words)} not in the passage")
    support = supporting_sentence(plain, passage)
    if negated(plain) != negated(support):
        reasons.append("polarity: negation differs from the supporting passage sentence")
    elif _SUPPORTED_CLAIM.search(plain) and not negated(plain) and _LIMITED.search(passage):
        reasons.append("polarity: claims support where the passage says preview / not supported")
    if question:
        q_words = content_tokens(question)
        if words:
            from_q = words & q_words
            new = words - q_words
            missing = words - p_words
            adds = (new and len(new & p_words) / len(new) < 0.67) or len(missing) / len(words) >= 0.25
            if len(from_q) / len(words) >= 0.5 and adds:
                reasons.append("restates_question: asserts the question with words the passage lacks")
            user_only = from_q - p_words
            if len(user_only) / len(words) >= 0.3 or _shared_run(plain, question, passage) >= 5:
                reasons.append("user_words: content comes from the user's message, not the passage")
    return reasons


def _shared_run(claim: str, question: str, passage: str) -> int:
    """Longest run of words the claim copies from the question that the passage does not contain."""
    c = re.findall(r"[a-z0-9']+", claim.lower())
    q = " " + " ".join(re.findall(r"[a-z0-9']+", question.lower())) + " "
    p = " " + " ".join(re.findall(r"[a-z0-9']+", passage.lower())) + " "
    best = 0
    for i in range(len(c)):
        for j in range(i + best + 1, len(c) + 1):
            run = " " + " ".join(c[i:j]) + " "
            if run not in q:
                break
            if run not in p:
                best = j - i
    return best
