"""Automatic correctness proxies per case (pure Python, deterministic) and the proxy verdict.

- ``keyfact_recall``: share of the reference answer's key facts (``evals.metrics.keyfacts``)
  that the answer states. Recall below ``MIN_FACT_RECALL``, or a missing *lead value* (a value
  — number, range, version — of the reference's first sentence: the reference leads with the
  answer) → ``incomplete``; when the answer gives the lead value(s), recall down to
  ``LEAD_FACT_RECALL`` is enough. References without key facts fall back to content-word recall.
- ``unsupported_facts``: claim facts of the answer (numbers, durations, amounts, versions,
  identifiers, code, quoted values, flags) found in none of: the cited passages, the reference
  answer, the reference contexts, the question. Any → ``wrong`` (a value nobody gave).
- ``conflicting_values``: a value of the answer of the same sort (unit, currency) as a lead value
  of the reference that the answer misses, e.g. "$25 fee" for the reference's "$15" — even when
  a cited passage states it (it answers about something else). Any → ``wrong``.
- ``polarity_mismatch``: answer sentences whose best-matching passage/reference sentence has
  the opposite polarity (a negation flipped, an antonym swapped: supported/unsupported,
  returned/kept, …), and a Yes/No lead that contradicts the reference's. Any → ``wrong``.
- ``dangling``: the answer ends in a colon or is a heading → ``incomplete``.

The verdict order is no_answer > wrong > incomplete > correct. The thresholds are defaults
until the proxies' agreement with audit labels is measured (``evals.metrics.agreement``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from evals.metrics.keyfacts import CLAIM_KINDS, Fact, FactText, has_negation, normalize, tokens
from evals.records import CaseRecord

MIN_FACT_RECALL = 0.75
LEAD_FACT_RECALL = 0.5  # when the answer gives the reference's lead value(s), half the key facts do
VALUE_KINDS = frozenset({"number", "range", "version"})
MIN_CONTENT_RECALL = 0.3  # references without key facts
MIN_ANY_CONTENT_RECALL = 0.2  # any answer sharing less of the reference's words misses its point
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
_HEADING = re.compile(r"(?m)^\s*#{1,6}\s")
_DANGLING = re.compile(r"[:,;]\s*(?:\[\d+\]\s*)*[.!?]?\s*$")
_BLOCK_START = re.compile(r"(?:[-*+]\s|\d{1,2}[.)]\s|\||```|>)")
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")


def _stem(word: str) -> str:
    w = word.lower().strip("'.")
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("s") and len(w) > 3 and not w.endswith("ss"):
        return w[:-1]
    return w


def content(text: str) -> set[str]:
    return {
        _stem(w)
        for w in tokens(text)
        if w not in _STOP and not has_negation(w) and len(w) > 1 and w not in _ANTI
    }


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT_SPLIT.split(normalize(text)) if s.strip()]


def _polarity(sentence: str) -> tuple[bool, frozenset[str]]:
    words = {w.lower() for w in tokens(sentence)}
    return has_negation(sentence), frozenset(w for w in words if w in _ANTI)


def _lead(text: str) -> str | None:
    m = re.match(r"\s*(yes|no)\b", normalize(text), re.I)
    return m.group(1).lower() if m else None


@dataclass
class Proxy:
    keyfact_recall: float | None = None
    content_recall: float | None = None
    missing_facts: list[str] = field(default_factory=list)
    unsupported_facts: list[str] = field(default_factory=list)
    polarity_mismatches: list[str] = field(default_factory=list)
    dangling: bool = False
    lead_missing: bool = False
    lead_present: bool = False
    conflicting_values: list[str] = field(default_factory=list)
    verdict: str = "correct"

    @property
    def reasons(self) -> list[str]:
        out = [f"unsupported value: {f}" for f in self.unsupported_facts]
        out += [f"value differs from the reference's: {f}" for f in self.conflicting_values]
        out += [f"polarity flipped: {s[:80]}" for s in self.polarity_mismatches]
        if self.dangling:
            out.append("ends in a colon or is a heading")
        if self.lead_missing:
            out.append("missing the reference's lead value")
        out += [f"missing key fact: {f}" for f in self.missing_facts]
        return out

    def scores(self) -> dict[str, float | None]:
        return {
            "keyfact_recall": self.keyfact_recall,
            "unsupported_facts": float(len(self.unsupported_facts)),
            "polarity_mismatch": float(len(self.polarity_mismatches)),
            "conflicting_values": float(len(self.conflicting_values)),
        }


def cited_texts(rec: CaseRecord) -> list[str]:
    """The passages the answer cites: recorded ones, else retrieved passages of cited sources."""
    if any(rec.cited_passages):
        return [t for t in rec.cited_passages if t]
    cited = set(rec.citations)
    texts = [r.text for r in rec.retrieved if r.source in cited or cited & set(r.also_in)]
    return texts or ([r.text for r in rec.retrieved] if cited else [])


def _sentence_flips(answer: str, sources: list[str]) -> list[str]:
    source_sents = [(content(s), _polarity(s)) for src in sources for s in sentences(src)]
    flips: list[str] = []
    for sent in sentences(answer):
        words = content(sent)
        if len(words) < 3:
            continue
        neg, anti = _polarity(sent)
        close = [pol for sw, pol in source_sents if len(words & sw) / len(words) >= MIN_SENTENCE_OVERLAP]
        if not close:
            continue
        same = any(n == neg and not any(_ANTI[w] in a and w not in a for w in anti) for n, a in close)
        if not same:
            flips.append(sent)
    return flips


def assess(rec: CaseRecord, *, min_fact_recall: float = MIN_FACT_RECALL) -> Proxy:
    """The proxy verdict of one recorded case (see the module docstring)."""
    p = Proxy()
    if not rec.ok or rec.abstained or not rec.answer.strip():
        p.verdict = "no_answer"
        return p
    answer = FactText(rec.answer)
    reference = FactText(rec.reference_answer)
    ref_facts: set[Fact] = reference.facts
    if _lead(rec.reference_answer) != "no":  # only a "No." answer's negation is a key fact
        ref_facts = {f for f in ref_facts if f.kind != "negation"}
    if rec.reference_answer.strip():
        if ref_facts:
            present = [f for f in ref_facts if answer.has(f)]
            p.keyfact_recall = len(present) / len(ref_facts)
            missing = ref_facts - set(present)
            p.missing_facts = sorted(str(f) if f.kind != "negation" else "(negation)" for f in missing)
            leads = lead_values(rec.reference_answer)
            lead_missing = leads & missing
            p.lead_missing, p.lead_present = bool(lead_missing), bool(leads) and not lead_missing
            p.conflicting_values = sorted(
                str(g)
                for g in answer.facts
                if g.kind in VALUE_KINDS
                and not reference.has(g)
                and any(_same_class(g, f) for f in lead_missing)
            )
        ref_words = content(rec.reference_answer)
        if ref_words:
            p.content_recall = len(ref_words & content(rec.answer)) / len(ref_words)
    cited = cited_texts(rec)
    evidence = [FactText(t) for t in (*cited, rec.reference_answer, *rec.reference_contexts, rec.question)]
    p.unsupported_facts = sorted(
        str(f) for f in answer.facts if f.kind in CLAIM_KINDS and not any(e.has(f) for e in evidence)
    )
    sources = [*cited, *rec.reference_contexts, rec.reference_answer]
    p.polarity_mismatches = _sentence_flips(rec.answer, [s for s in sources if s.strip()])
    ref_lead, ans_lead = _lead(rec.reference_answer), _lead(rec.answer)
    if ref_lead and ans_lead and ref_lead != ans_lead:
        p.polarity_mismatches.insert(0, f"answers {ans_lead!r} where the reference says {ref_lead!r}")
    p.dangling = any(_HEADING.match(ln) for ln in prose_lines(rec.answer)) or dangling(rec.answer)
    if p.unsupported_facts or p.polarity_mismatches or p.conflicting_values:
        p.verdict = "wrong"
    elif p.dangling or _incomplete(p, min_fact_recall, bool(ref_facts)):
        p.verdict = "incomplete"
    return p


def _same_class(a: Fact, b: Fact) -> bool:
    """Two values of the same sort: same unit, or both amounts of the same currency."""
    if a.unit or b.unit:
        return bool(a.unit and b.unit) and a.unit.split()[-1] == b.unit.split()[-1]
    cur_a, cur_b = a.value[:1], b.value[:1]
    return not cur_a.isdigit() and cur_a == cur_b


def lead_values(reference: str) -> set[Fact]:
    """The values of the reference's first sentence with some content (skipping a bare "No.")."""
    for sent in sentences(reference):
        if len(content(sent)) >= 3:
            return {f for f in FactText(sent).facts if f.kind in VALUE_KINDS}
    return set()


def _incomplete(p: Proxy, min_fact_recall: float, has_facts: bool) -> bool:
    if has_facts and p.keyfact_recall is not None:
        if p.lead_missing:
            return True
        floor = LEAD_FACT_RECALL if p.lead_present else min_fact_recall
        if p.keyfact_recall < floor:
            return True
    elif p.content_recall is not None:
        return p.content_recall < MIN_CONTENT_RECALL
    return p.content_recall is not None and p.content_recall < MIN_ANY_CONTENT_RECALL


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
