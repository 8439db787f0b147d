"""What kind of value a question asks for, and whether a text holds one.

A "how long / how much / how many / which version / what fee / when" question is answered with the
specific value when the passages have it (``agent.compose`` gives units holding one a bonus and
lets one lead).
"""

from __future__ import annotations

import re

_DURATION = r"\b\d+(?:[.,]\d+)?\s*(?:[–-]|to)?\s*\d*\s*(?:business |calendar |working )?(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|ms)\b"
_AMOUNT = r"[$€£]\s?\d|\b\d+(?:[.,]\d+)?\s?(?:%|percent|USD|EUR|GBP|cents?)"
_VERSION = r"\b[vV]?\d+\.\d+(?:\.\d+)?\b|\bversion \d+"
_DATE = r"\b(?:19|20)\d\d\b|\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b"
_COUNT = r"\b\d+\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten)\b"
VALUE_PATTERNS = {
    "duration": re.compile(_DURATION, re.I),
    "amount": re.compile(_AMOUNT, re.I),
    "version": re.compile(_VERSION),
    "date": re.compile(_DATE),
    "count": re.compile(_COUNT, re.I),
}
_QUESTION_KINDS = [
    (re.compile(r"\bhow long\b|\bhow (?:soon|quickly|fast)\b|\bhow many (?:days|hours|minutes|weeks)\b", re.I), ["duration"]),
    # "charged" / "do you charge", not the noun: "refund a charge made in another currency" asks for a rate
    (re.compile(r"\bhow much\b|\bfees?\b|\bcosts?\b|\bprices?\b|\bpercent(?:age)?\b|\bcharged\b|\b(?:do|does|will|would) (?:you|we|they|it) charge\b|\bcharge (?:me|us)\b", re.I), ["amount"]),
    (re.compile(r"\b(?:which|what) versions?\b|\bversion\b", re.I), ["version"]),
    (re.compile(r"\bhow many\b|\bmaximum\b|\bminimum\b|\blimit\b", re.I), ["count"]),
    (re.compile(r"^\s*when\b|\bwhen (?:will|does|do|is|are|can)\b|\bwhat date\b|\bdeadlines?\b|\bexpire", re.I), ["duration", "date"]),
]  # fmt: skip


def value_kinds(question: str) -> list[str]:
    """Kinds of value the question asks for ([] for other questions)."""
    kinds: list[str] = []
    for pattern, ks in _QUESTION_KINDS:
        if pattern.search(question):
            kinds += [k for k in ks if k not in kinds]
    return kinds


def has_value(text: str, kinds: list[str]) -> bool:
    return any(VALUE_PATTERNS[k].search(text) for k in kinds)
