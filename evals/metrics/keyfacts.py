"""Key facts of a text, pure Python and deterministic: the values a support answer must get right.

Kinds: ``range`` ("5-10 business day"), ``number`` (amounts, percentages, durations with their
unit: "$15", "2.9%", "14 calendar day", "30 minute"), ``version`` ("1.4.2"), ``code`` (a
backticked span), ``quoted`` (a short double-quoted value), ``flag`` (``--dry-run``),
``ident`` (snake_case, dotted or path-like names: ``refund_window_expired``,
``app-config.yaml``), ``acronym`` (ARN, PDF) and ``negation`` (the text denies something).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NEGATION_CUES = frozenset(
    {
        "not",
        "no",
        "never",
        "cannot",
        "can't",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "won't",
        "shouldn't",
        "mustn't",
        "couldn't",
        "wouldn't",
        "without",
        "none",
        "neither",
        "nor",
        "unsupported",
        "unable",
    }
)
# kinds whose presence in an answer is a claim that must be backed by a passage or the reference
CLAIM_KINDS = frozenset({"range", "number", "version", "code", "quoted", "flag", "ident"})

_UNIT = (
    r"(?:(?:business|calendar|working)\s+)?(?:seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|"
    r"years?|ms|mb|gb|kb|tb|mib|gib|cpus?|cores?|times|attempts?|characters?|requests?|retries)"
)
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "twelve": "12",
    "fourteen": "14",
    "fifteen": "15",
    "thirty": "30",
}
_WORD_NUM = re.compile(r"\b(" + "|".join(_WORDS) + r")\b(?=\s+" + _UNIT + r"\b)", re.I)
_RANGE = re.compile(
    r"(?<![\w.-])([$€£¥])?("
    + _NUM
    + r")\s*(?:-|to)\s*[$€£¥]?("
    + _NUM
    + r")(?:\s*(%))?(?:\s*("
    + _UNIT
    + r"))?(?![\w])",
    re.I,
)
_BETWEEN = re.compile(r"\bbetween\s+([$€£¥]?\d[\d.,]*)\s+and\s+", re.I)
_NUMBER = re.compile(
    r"(?<![\w.])([$€£¥])?(" + _NUM + r")(?:\s*(%|percent))?(?:\s*(" + _UNIT + r"))?(?![\w])", re.I
)
_VERSION = re.compile(r"(?<![\w.])v?(\d+(?:\.\d+){2,})(?![\w.])", re.I)
_CODE = re.compile(r"`([^`\n]+)`")  # any length, so backticks pair up; long spans are not facts
_QUOTED = re.compile(r"\"([^\s\",.;:][^\"\n]{0,58}[^\s\",;:])\"")
_FENCE = re.compile(r"```[a-z]*")
_FLAG = re.compile(r"(?<![\w-])(--[a-z][\w-]*)", re.I)
_IDENT = re.compile(r"(?<![\w.-])([a-z][\w-]*(?:[._/][\w-]+)+|[a-z]+(?:_[a-z0-9]+)+)(?![\w-])", re.I)
_ACRONYM = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]{2,6})s?(?![\w-])")
_IDENT_STOP = frozenset({"e.g", "i.e", "etc", "vs", "and/or", "a.m", "p.m"})
_LIST_MARK = re.compile(r"(?m)(?:^\s*|(?<=[:.])\s+)\d{1,2}[.)]\s+(?=[A-Z`\"\w])")
_CITE = re.compile(r"\s*\[\d+\]")
_TOKEN = re.compile(r"[a-z0-9][a-z0-9'_.-]*[a-z0-9]|[a-z0-9]", re.I)
_ACRONYM_STOP = frozenset(
    {
        "A",
        "I",
        "OK",
        "US",
        "EU",
        "UK",
        "FAQ",
        "NOTE",
        "IMPORTANT",
        "TIP",
        "OR",
        "AND",
        "API",
        "ID",
        "URL",
        "UI",
    }
)


@dataclass(frozen=True)
class Fact:
    kind: str
    value: str
    unit: str = ""

    def __str__(self) -> str:
        return f"{self.value} {self.unit}".strip()


def normalize(text: str) -> str:
    """Unify dashes and quotes, drop citation markers and markdown emphasis."""
    t = _FENCE.sub("\n", _CITE.sub("", text or ""))
    t = re.sub(r"[\u2010-\u2015\u2212]", "-", t)
    t = t.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    t = t.replace("**", "").replace("\u00a0", " ")
    t = _BETWEEN.sub(r"\1 to ", t)
    return _WORD_NUM.sub(lambda m: _WORDS[m.group(1).lower()], t)


def _num(raw: str) -> str:
    v = raw.replace(",", "")
    if "." in v:
        v = v.rstrip("0").rstrip(".")
    return v or "0"


def _unit(raw: str | None) -> str:
    if not raw:
        return ""
    words = raw.lower().split()
    last = words[-1]
    last = {"mins": "minute", "min": "minute", "hrs": "hour", "hr": "hour"}.get(last, last)
    if last.endswith("s") and len(last) > 3 and last not in ("ms", "times"):
        last = last[:-1]
    return " ".join([*words[:-1], last])


def _is_ident(word: str) -> bool:
    w = word.lower()
    if w in _IDENT_STOP or len(w) < 4:
        return False
    if "_" in w or "." in w:
        return True
    return w.count("/") >= 2  # a path; "and/or" is prose


def extract_facts(text: str) -> set[Fact]:
    t = normalize(text)
    facts: set[Fact] = set()
    for m in _CODE.finditer(t):
        if len(m.group(1).strip()) <= 80:
            facts.add(Fact("code", m.group(1).strip().lower()))
    for m in _QUOTED.finditer(t):
        facts.add(Fact("quoted", m.group(1).strip().lower()))
    for m in _FLAG.finditer(t):
        facts.add(Fact("flag", m.group(1).lower()))
    for m in _IDENT.finditer(t):
        if _is_ident(m.group(1)) and Fact("code", m.group(1).lower()) not in facts:
            facts.add(Fact("ident", m.group(1).lower()))
    for m in _ACRONYM.finditer(t):
        if m.group(1) not in _ACRONYM_STOP and not m.group(1).isdigit():
            facts.add(Fact("acronym", m.group(1).lower()))
    body = _LIST_MARK.sub(" ", _CODE.sub(" ", t))
    for m in _VERSION.finditer(body):
        facts.add(Fact("version", m.group(1)))
    body = _VERSION.sub(" ", body)
    for m in _RANGE.finditer(body):
        unit = _unit(m.group(5)) or ("%" if m.group(4) else "")
        facts.add(Fact("range", f"{m.group(1) or ''}{_num(m.group(2))}-{_num(m.group(3))}", unit))
    body = _RANGE.sub(" ", body)
    for m in _NUMBER.finditer(body):
        unit = "%" if m.group(3) else _unit(m.group(4))
        facts.add(Fact("number", f"{m.group(1) or ''}{_num(m.group(2))}", unit))
    if has_negation(t):
        facts.add(Fact("negation", "not"))
    return facts


def tokens(text: str) -> list[str]:
    return [w.lower() for w in _TOKEN.findall(normalize(text))]


def has_negation(text: str) -> bool:
    words = tokens(text)
    return any(w in NEGATION_CUES or w.endswith("n't") for w in words)


def _bare(value: str) -> str:
    return value.lstrip("$€£¥")


def fact_present(fact: Fact, facts: set[Fact], text: str) -> bool:
    """Is ``fact`` stated in a text with facts ``facts`` (and normalised lower text ``text``)?

    Numbers match on value with the unit when both sides give one (7 days ≠ 7 hours);
    identifiers, code and quoted values match as substrings of the other text, ignoring
    punctuation (``pk_test...`` in ``pk_test_...``); acronyms match as whole words."""
    if fact.kind == "acronym":
        return bool(re.search(rf"(?<![a-z0-9]){re.escape(fact.value)}s?(?![a-z0-9])", text))
    if fact.kind in ("code", "quoted", "ident", "flag"):
        needle = fact.value
        if needle in text or any(f.value == needle for f in facts):
            return True
        if needle.endswith("..."):  # a prefix: `pk_...` is stated by `pk_test`
            stem = needle.rstrip(".").rstrip("_-")
            return bool(stem) and re.search(rf"(?<![a-z0-9]){re.escape(stem)}", text) is not None
        squashed = squash(needle)
        return len(squashed) >= 4 and squashed in squash(text)
    if fact.kind == "negation":
        return any(f.kind == "negation" for f in facts)
    for other in facts:
        if other.kind not in ("number", "range", "version"):
            continue
        if other.kind != fact.kind and not (fact.kind == "version" and other.kind == "number"):
            continue
        if _bare(other.value) != _bare(fact.value):
            continue
        if fact.unit and other.unit and _unit_base(fact.unit) != _unit_base(other.unit):
            continue
        return True
    return False


def squash(text: str) -> str:
    """Letters and digits only: identifiers compared without their punctuation."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _unit_base(unit: str) -> str:
    return unit.split()[-1]


class FactText:
    """A text with its facts and normalised lower form, for repeated membership checks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.facts = extract_facts(text)
        self.lower = normalize(text).lower()

    def has(self, fact: Fact) -> bool:
        return fact_present(fact, self.facts, self.lower)
