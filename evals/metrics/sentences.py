"""Sentence-level text signals for the correctness proxies: content words, sentences,
polarity (negation and antonyms), a Yes/No lead, flipped sentences, and answers that stop
where the useful part begins (dangling colon/comma, headings), with fenced code set aside."""

from __future__ import annotations

import re

from evals.metrics.keyfacts import has_negation, normalize, tokens

MIN_SENTENCE_OVERLAP = 0.6
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "then",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "you",
        "your",
        "we",
        "our",
        "they",
        "their",
        "he",
        "she",
        "his",
        "her",
        "them",
        "i",
        "me",
        "my",
        "can",
        "will",
        "would",
        "should",
        "could",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "so",
        "such",
        "than",
        "too",
        "very",
        "just",
        "also",
        "only",
        "about",
        "into",
        "over",
        "under",
        "which",
        "what",
        "when",
        "where",
        "who",
        "how",
        "why",
        "there",
        "here",
        "all",
        "any",
        "each",
        "some",
        "more",
        "most",
        "other",
        "yes",
    ]
)
ANTONYMS: dict[str, str] = {
    "supported": "unsupported",
    "enabled": "disabled",
    "enable": "disable",
    "required": "optional",
    "returned": "kept",
    "refunded": "kept",
    "win": "lose",
    "won": "lost",
    "before": "after",
    "minimum": "maximum",
    "increase": "decrease",
    "automatically": "manually",
    "public": "private",
    "always": "never",
    "included": "excluded",
    "allowed": "blocked",
    "preinstalled": "install",
    "ga": "preview",
    "generally": "preview",
}
_ANTI = {**ANTONYMS, **{v: k for k, v in ANTONYMS.items()}}
HEADING = re.compile(r"(?m)^\s*#{1,6}\s")
_DANGLING = re.compile(r"[:,;]\s*(?:\[\d+\]\s*)*[.!?]?\s*$")
_BLOCK_START = re.compile(r"(?:[-*+]\s|\d{1,2}[.)]\s|\||```|>)")
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


def stem(word: str) -> str:
    w = word.lower().strip("'.")
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("s") and len(w) > 3 and not w.endswith("ss"):
        return w[:-1]
    return w


def content(text: str) -> set[str]:
    return {
        stem(w)
        for w in tokens(text)
        if w not in _STOP and not has_negation(w) and len(w) > 1 and w not in _ANTI
    }


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_SPLIT.split(normalize(text)) if s.strip()]


def polarity(sentence: str) -> tuple[bool, frozenset[str]]:
    words = {w.lower() for w in tokens(sentence)}
    return has_negation(sentence), frozenset(w for w in words if w in _ANTI)


def yes_no_lead(text: str) -> str | None:
    m = re.match(r"\s*(yes|no)\b", normalize(text), re.I)
    return m.group(1).lower() if m else None


def sentence_flips(answer: str, sources: list[str]) -> list[str]:
    source_sents = [(content(s), polarity(s)) for src in sources for s in sentences(src)]
    flips: list[str] = []
    for sent in sentences(answer):
        words = content(sent)
        if len(words) < 3:
            continue
        neg, anti = polarity(sent)
        close = [pol for sw, pol in source_sents if len(words & sw) / len(words) >= MIN_SENTENCE_OVERLAP]
        if not close:
            continue
        same = any(n == neg and not any(_ANTI[w] in a and w not in a for w in anti) for n, a in close)
        if not same:
            flips.append(sent)
    return flips


def prose_lines(answer: str) -> list[str]:
    """Non-empty lines outside fenced code; each code block is kept as one "```" line."""
    out: list[str] = []
    fenced = False
    for line in answer.splitlines():
        if line.lstrip().startswith("```"):
            if not fenced:
                out.append("```")
            fenced = not fenced
        elif not fenced and line.strip():
            out.append(line)
    return out


def dangling(answer: str) -> bool:
    """A sentence that stops where the useful part begins: it ends in a comma or semicolon, or
    in a colon that no list, table or code block follows."""
    lines = prose_lines(answer)
    for i, line in enumerate(lines):
        parts = [p for p in _SENT_SPLIT.split(line) if p.strip()]
        for j, part in enumerate(parts):
            m = _DANGLING.search(part)
            if not m:
                continue
            follows = lines[i + 1].lstrip() if i + 1 < len(lines) else ""
            if m.group(0).lstrip().startswith(":") and j == len(parts) - 1 and _BLOCK_START.match(follows):
                continue  # a lead-in whose list, table or code comes next
            return True
    return False
