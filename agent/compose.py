"""Answer composition: choose passage units (``agent.units``) that cover the question.

- Units are scored against the question: embedding cosine + word overlap (the unit's words and its
  section's heading path: "Fee — 1%, minimum $0.50" under "Payouts > Instant Payouts" answers
  "What does an Instant Payout cost?"), the cosine of the question to the unit's own section
  heading (``HEADING_WEIGHT``: "Displaying the preferred username in the profile dropdown" over
  "Mount points" for "how do I show the username in the ProfileDropdown?"), a small penalty per
  retrieval rank, and — for "how long / how much / how many / which version / what fee / when"
  questions — a bonus for units that hold a value of that kind (a duration, an amount, a
  version…), table rows included.
- The best unit leads. A question with several parts (split on "?", "also", "and" between
  clauses) gets the best unit for each part; any question gets the runners-up that score
  almost as well as the lead (``margin``), within ``max_units`` and ``max_chars``.
- A guide's summary ("Learn how to …") is penalised like a pointer: it names the task; so is a
  "where:" placeholder list that opens a passage (the command it explains is not in it). A
  "how do I …" question's lead brings the procedure below its paragraph (``agent.steps``).
- Near-duplicates and units contained in one already chosen (a list item of a chosen list) are
  skipped. The result is in answer order: the lead first, then the others as the passages
  have them.

Works on any "question", a whole ticket included (``agent.assist``/ticket drafts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from agent.grounding import Grounder, content_tokens
from agent.guard.heuristics import heuristic_hits
from agent.steps import follow_steps
from agent.units import Unit
from agent.values import has_value, value_kinds

_PART_SPLIT = re.compile(
    r"\?+\s*|;\s+|\b(?:and )?also\b|,?\s+and (?=(?:what|how|which|when|where|why|who|is|are|can|do|does|should)\b)",
    re.I,
)
_POINTER = re.compile(
    r"^(for more information|for more details|for details|see|refer to|you have (?:installed|created|configured|enabled|deployed|added|access|an? ))\b",
    re.I,
)
_ENUM_Q = re.compile(
    r"\b(?:methods|ways|options|steps|procedure|list|which \w+s|what are|what (?!does\b|is\b|was\b|has\b)\w+s)\b|\bhow (?:do|can|to)\b",
    re.I,
)
_ABSTRACT = re.compile(  # a guide's or section's summary: it names the task, never answers it
    r"^(?:learn (?:how|about|to)|this (?:section|chapter|guide|document|procedure) (?:describes|explains|covers|shows))\b",
    re.I,
)
_HOWTO = re.compile(
    r"\bhow (?:do|can|should|would|to)\b|\bhow i\b|\bsteps?\b|\bprocedure\b|\bwalk me through\b|\bwhat do i (?:need to )?do\b",
    re.I,
)
_ANAPHOR = re.compile(
    r"^(?:this|these|that|those|it|they)\b|^\w+(?: \w+){0,3},? (?:this|these|it|they) (?:is|are|was|were|means)\b",
    re.I,
)
# "where:" + "<name>: …" items: the placeholders of the block above
_WHERE = re.compile(r"^where\s*[:,]?\s*$", re.I)
BLOCK_BONUS = 0.08
VALUE_BONUS = 0.12
MARGIN = 0.09
RANK_PENALTY = 0.02  # per retrieval rank (0.05 measured on the tune labels: complete 0.40 -> 0.38)
HEADING_WEIGHT = 0.1  # × cosine(question, the unit's section heading); tune labels: 0.05-0.2 measured
ON_TOPIC = 0.5  # a pick must cover this share of the best pick's question terms (``on_topic``)


@dataclass(frozen=True)
class Pick:
    unit: Unit
    passage: int  # 1-based index into the hits
    score: float
    position: int  # the unit's place in its passage


def is_pointer(lead: str) -> bool:
    """A "For more information, see …" / "You have installed …" / "Learn how to …" sentence."""
    return bool(_POINTER.match(lead) or _ABSTRACT.match(lead))


def section_of(heading: str) -> str:
    """The most specific heading of a ' > '-joined heading path (what the section is about)."""
    return heading.rsplit(" > ", 1)[-1].strip()


def question_parts(question: str) -> list[str]:
    """The question's parts when it asks several things (each with >= 2 content words)."""
    parts = [p.strip(" ,.") for p in _PART_SPLIT.split(question) if p and p.strip(" ,.")]
    parts = [p for p in parts if len(content_tokens(p)) >= 2]
    return parts if len(parts) > 1 else [question]


def _overlap(words: set[str], query: set[str]) -> float:
    return len(words & query) / max(1, len(query))


def redundant(unit: Unit, chosen: list[Pick]) -> bool:
    """Whether ``unit`` repeats a chosen one (near-duplicate, or one holds the other)."""
    words = content_tokens(unit.plain)
    for p in chosen:
        other = content_tokens(p.unit.plain)
        if len(words & other) / max(1, len(words | other)) >= 0.6:
            return True
        if len(words & other) >= 0.9 * min(len(words), len(other)):  # one holds the other
            return True
    return False


def compose(
    grounder: Grounder,
    question: str,
    hits: list[dict[str, Any]],
    *,
    max_units: int = 3,
    min_relevance: float = 0.3,
    max_chars: int = 1200,
    margin: float = MARGIN,
    heading_weight: float = HEADING_WEIGHT,
) -> list[Pick]:
    """The passage units that answer ``question``, lead first (empty when none is relevant)."""
    if not hits or not question.strip():
        return []
    grounder.prepare(hits)
    parts = question_parts(question)
    queries = [question, *parts] if len(parts) > 1 else [question]
    qvecs = grounder.embed(queries)
    kinds = value_kinds(question)
    enum = bool(_ENUM_Q.search(question))
    qwords = [content_tokens(q) for q in queries]
    heads = [section_of(str(h.get("heading") or "")) for h in hits]
    named = [h for h in heads if h]
    hcos: dict[str, np.ndarray] = (
        dict(zip(named, grounder.embed(named) @ qvecs.T, strict=True)) if named else {}
    )
    # rows: (unit, passage, position, relevance per query, score per query)
    rows: list[tuple[Unit, int, int, np.ndarray, np.ndarray]] = []
    for n, hit in enumerate(hits, start=1):
        units, vectors = grounder.answer_units(hit)
        if not units:
            continue
        cos = vectors @ qvecs.T  # (units, queries)
        heading = content_tokens(str(hit.get("heading") or ""))  # a table row under "Instant Payouts"
        section = heading_weight * hcos[heads[n - 1]] if heads[n - 1] else np.zeros(len(queries))
        for i, unit in enumerate(units):
            if heuristic_hits(unit.lead):
                continue
            words = content_tokens(unit.plain) | heading
            bonus = VALUE_BONUS if kinds and has_value(unit.plain, kinds) else 0.0
            short = 0.05 if len(words) < 5 else 0.0
            if _POINTER.match(unit.lead):  # "For more information, see …" / "You have installed …"
                short += 0.1  # (a prerequisite) point elsewhere, they do not answer
            if _ABSTRACT.match(unit.lead):  # "Learn how to configure …"
                short += 0.25
            if i == 0 and _WHERE.match(unit.lead):  # placeholders of a command this passage lacks
                short += 0.25
            if enum and unit.has_block:  # "what methods…", "how do I…": the list / steps / command
                bonus += BLOCK_BONUS
            score = np.array(
                [
                    cos[i, j]
                    + 0.2 * _overlap(words, qwords[j])
                    + section[j]
                    + bonus
                    - short
                    - RANK_PENALTY * (n - 1)
                    for j in range(len(queries))
                ]
            )
            rows.append((unit, n, i, cos[i], score))
    if not rows:
        return []
    ranked = sorted((r for r in rows if float(r[3][0]) >= min_relevance), key=lambda r: -float(r[4][0]))
    if not ranked:  # nothing close enough to the question to quote
        return []
    top = float(ranked[0][4][0])  # runners-up are measured against the best score
    if kinds and not has_value(ranked[0][0].plain, kinds):  # a value question is answered with the value
        valued = [
            r
            for r in ranked
            if has_value(r[0].plain, kinds) and float(r[3][0]) >= float(ranked[0][3][0]) - 0.2
        ]
        if valued:
            ranked.remove(valued[0])
            ranked.insert(0, valued[0])
    lead = ranked[0]
    chosen = [Pick(lead[0], lead[1], round(float(lead[4][0]), 4), lead[2])]
    size = len(lead[0].render("[1]"))

    def add(row: tuple[Unit, int, int, np.ndarray, np.ndarray], j: int) -> None:
        nonlocal size
        cost = len(row[0].render("[1]"))
        if len(chosen) >= max_units or size + cost > max_chars or redundant(row[0], chosen):
            return
        chosen.append(Pick(row[0], row[1], round(float(row[4][j]), 4), row[2]))
        size += cost

    for j in range(1, len(queries)):  # each further part of the question gets its best unit
        best = max(rows, key=lambda r: float(r[4][j]))
        if float(best[3][j]) >= min_relevance + 0.1:
            add(best, j)
    for row in ranked[1:]:  # runners-up that answer almost as well as the lead
        if float(row[4][0]) < top - margin:
            break
        if float(row[3][0]) >= min_relevance and (not kinds or has_value(row[0].plain, kinds)):
            add(row, 0)  # a value question's extra units must hold a value too
    chosen = on_topic(chosen, question, [r[0] for r in rows])
    context: list[Pick] = []
    for p in chosen:  # "For most disputes this is 14 days": the sentence "this" points back to
        where = bool(_WHERE.match(p.unit.lead))  # ... and the command a "where:" list explains
        if (where or _ANAPHOR.match(p.unit.lead)) and p.position > 0:
            before = [r for r in rows if r[1] == p.passage and r[2] == p.position - 1]
            if (
                before
                and (where or not before[0][0].has_block)
                and not redundant(before[0][0], chosen + context)
            ):
                context.append(Pick(before[0][0], p.passage, p.score, p.position - 1))
    lead_group = [
        c for c in context if (c.passage, c.position) == (chosen[0].passage, chosen[0].position - 1)
    ]
    rest = sorted(
        [*chosen[1:], *(c for c in context if c not in lead_group)], key=lambda p: (p.passage, p.position)
    )
    howto = bool(_HOWTO.search(question))
    return _with_steps([*lead_group, chosen[0], *rest], hits, max_chars, howto=howto)


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _terms(text: str) -> set[str]:
    return {_stem(w) for w in content_tokens(text)}


def on_topic(picks: list[Pick], question: str, units: list[Unit], *, share: float = ON_TOPIC) -> list[Pick]:
    """The picks that cover the question's distinctive terms nearly as well as the best one.

    A term's weight is its rarity among the candidate units (``log(1 + n / df)``: words every
    passage has, like the product name, weigh little); a pick whose weighted coverage of the
    question's terms is below ``share`` of the best pick's is a neighbouring passage answering
    another question ("run a CloudWatch query" for "see live logs of a Kubernetes object") and
    is dropped. The best-covering pick always stays (it may become the lead)."""
    if len(picks) < 2:
        return picks
    q = _terms(question)
    bags = [_terms(u.plain) for u in units]
    df = {t: sum(t in b for b in bags) for t in q}
    weight = {t: float(np.log1p(len(bags) / df[t])) for t in q if df[t]}
    if not weight:
        return picks
    cover = [sum(w for t, w in weight.items() if t in _terms(p.unit.plain)) for p in picks]
    best = max(cover)
    return [p for p, c in zip(picks, cover, strict=True) if c >= share * best]


def _with_steps(
    picks: list[Pick], hits: list[dict[str, Any]], max_chars: int, *, howto: bool = False
) -> list[Pick]:
    """The lead brings the steps / list that follow it in its passage (``agent.steps``); the
    picks those steps already hold, and those past ``max_chars``, are dropped."""
    lead = next((p for p in picks if not p.unit.has_block), None)
    if lead is None or (lead is not picks[0] and picks[0].unit.has_block):
        return picks
    full = follow_steps(str(hits[lead.passage - 1].get("text") or ""), lead.unit, howto=howto)
    if full is None:
        return picks
    grown = Pick(full, lead.passage, lead.score, lead.position)
    out = [grown]
    size = len(full.render("[1]"))
    for p in picks:
        if p is lead or (
            p.passage == lead.passage and (p.unit.lead == full.lead or redundant(p.unit, [grown]))
        ):
            continue
        cost = len(p.unit.render("[1]"))
        if size + cost > max_chars:
            continue
        out.append(p)
        size += cost
    order = {id(p): k for k, p in enumerate(picks)}
    return sorted(out, key=lambda p: order.get(id(p), order[id(lead)]))
