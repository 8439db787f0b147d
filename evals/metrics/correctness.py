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
- ``reference_overlap`` (reported, NOT in the verdict): share of the answer's content words found in
  the reference answer or contexts; low means an unrelated passage was quoted. On the pilot
  labels "< 0.35 → wrong" had precision 0.6 / recall 0.43 (tune) and 0.5 / 0.33 (held-out).

The verdict order is no_answer > wrong > incomplete > correct. The thresholds are defaults
until the proxies' agreement with audit labels is measured (``evals.metrics.agreement``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from evals.metrics.keyfacts import CLAIM_KINDS, Fact, FactText
from evals.metrics.sentences import (
    HEADING,
    content,
    dangling,
    prose_lines,
    sentence_flips,
    sentences,
    yes_no_lead,
)
from evals.records import CaseRecord

MIN_FACT_RECALL = 0.75
LEAD_FACT_RECALL = 0.5  # when the answer gives the reference's lead value(s), half the key facts do
VALUE_KINDS = frozenset({"number", "range", "version"})
MIN_CONTENT_RECALL = 0.3  # references without key facts
MIN_ANY_CONTENT_RECALL = 0.2  # any answer sharing less of the reference's words misses its point


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
    reference_overlap: float | None = None
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
            "reference_overlap": self.reference_overlap,
        }


def cited_texts(rec: CaseRecord) -> list[str]:
    """The passages the answer cites: recorded ones, else retrieved passages of cited sources."""
    if any(rec.cited_passages):
        return [t for t in rec.cited_passages if t]
    cited = set(rec.citations)
    texts = [r.text for r in rec.retrieved if r.source in cited or cited & set(r.also_in)]
    return texts or ([r.text for r in rec.retrieved] if cited else [])


def assess(rec: CaseRecord, *, min_fact_recall: float = MIN_FACT_RECALL) -> Proxy:
    """The proxy verdict of one recorded case (see the module docstring)."""
    p = Proxy()
    if not rec.ok or rec.abstained or not rec.answer.strip():
        p.verdict = "no_answer"
        return p
    answer = FactText(rec.answer)
    reference = FactText(rec.reference_answer)
    ref_facts: set[Fact] = reference.facts
    if yes_no_lead(rec.reference_answer) != "no":  # only a "No." answer's negation is a key fact
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
    answer_words = content(rec.answer)
    if answer_words and rec.reference_answer.strip():  # off-topic signal, reported, not in the verdict
        known = content(" ".join([rec.reference_answer, *rec.reference_contexts]))
        p.reference_overlap = len(answer_words & known) / len(answer_words)
    cited = cited_texts(rec)
    evidence = [FactText(t) for t in (*cited, rec.reference_answer, *rec.reference_contexts, rec.question)]
    p.unsupported_facts = sorted(
        str(f) for f in answer.facts if f.kind in CLAIM_KINDS and not any(e.has(f) for e in evidence)
    )
    sources = [*cited, *rec.reference_contexts, rec.reference_answer]
    p.polarity_mismatches = sentence_flips(rec.answer, [s for s in sources if s.strip()])
    ref_lead, ans_lead = yes_no_lead(rec.reference_answer), yes_no_lead(rec.answer)
    if ref_lead and ans_lead and ref_lead != ans_lead:
        p.polarity_mismatches.insert(0, f"answers {ans_lead!r} where the reference says {ref_lead!r}")
    p.dangling = any(HEADING.match(ln) for ln in prose_lines(rec.answer)) or dangling(rec.answer)
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
