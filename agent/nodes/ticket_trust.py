"""Is a ticket draft trustworthy enough to send after a glance? The checks the ticket node runs.

A draft needs a human (``needs_human``) when triage says so, or when any of these holds:
- the ticket is sensitive: the fraud queue, priority P1 (outage, money at risk, fraud, legal
  threat), or account-takeover / legal wording, whatever the draft says;
- the ticket is not in English (triage's language): the draft would answer in the wrong language;
- the evidence is low: the best ticket↔passage cosine or the word coverage is below the ticket
  thresholds (higher than chat's, since a draft goes to a customer under the company's name);
- the model wrote a sentence that the grounding check rejected (the draft is partial);
- a kept sentence restates the customer's own message (the ticket is never evidence) or is a
  markdown heading/table row, and was dropped;
- the draft quotes a table (``tabular``): an exact value, but maybe for the wrong row (the ACH
  *return* fee quoted for an ACH payment) or under a misread column header.
"""

from __future__ import annotations

import re
from typing import Any

from agent.grounding import cited, content_tokens, split_sentences, strip_cites
from agent.nodes.draft import is_claim

SENSITIVE_QUEUES = frozenset({"fraud"})
SENSITIVE_TERMS = re.compile(
    r"\b(hack(ed|er|ers)?|compromised|take ?over|stolen|phish(ing)?|unauthori[sz]ed|"
    r"(didn'?t|did not|never) (make|authori[sz]e|sign)|don'?t recogni[sz]e|fraud(ulent|ster)?|scam(med)?|"
    r"lawyers?|attorneys?|lawsuit|legal action|sue|suing|subpoena|court|regulator|police|gdpr)\b",
    re.I,
)
_GARBLED = re.compile(r"^\s*#{1,6}\s|\|\s*[-:]{3,}|^\s*\|.*\||\*\*")


def sensitive(triage: dict[str, Any] | None, text: str) -> str | None:
    """Why a ticket must go to a person whatever the draft says, or None."""
    triage = triage or {}
    if triage.get("queue") in SENSITIVE_QUEUES:
        return f"queue:{triage['queue']}"
    if triage.get("priority") == "P1":
        return "priority:P1"
    found = SENSITIVE_TERMS.search(text)
    return f"terms:{found.group(0).lower()}" if found else None


def echoes_ticket(sentence: str, ticket: str, passage: str) -> bool:
    """The sentence restates the customer's message rather than the passage it cites."""
    words = content_tokens(strip_cites(sentence))
    if len(words) < 3:
        return False
    from_ticket = len(words & content_tokens(ticket)) / len(words)
    from_passage = len(words & content_tokens(passage)) / len(words)
    return from_ticket >= 0.6 and from_ticket > from_passage


def garbled(unit: str) -> bool:
    """A markdown heading, table row or bold markup is not a reply sentence. Only the first line
    is read: a composed unit's list items and code block below its lead are meant to be there."""
    return bool(_GARBLED.search(strip_cites(unit.split("\n", 1)[0])))


_ROW = re.compile(r"^[^—\n]{1,80}? — [^:\n]{1,80}: ")
_KEY_VALUE_ITEM = re.compile(r"^\s*-\s+[^:\n]{1,60}:\s")


def tabular(unit: str) -> bool:
    """A composed table row ("ACH Direct Debit return — Fee: $4.00 …") or a list of key: value
    rows. The value is exact but maybe from a neighbouring row, or a column header is misread:
    on the golden tickets most wrong drafts quote tables, so a person checks them."""
    lines = strip_cites(unit).split("\n")
    if _ROW.match(lines[0]):
        return True
    items = lines[1:]
    return len(items) >= 2 and sum(bool(_KEY_VALUE_ITEM.match(x)) for x in items) * 2 > len(items)


def answer_units(answer: str) -> list[str]:
    """The answer's pieces: sentences, and whole blocks (a lead with its list or code below it)."""
    units: list[str] = []
    for para in answer.split("\n\n"):
        if "\n" in para.strip():
            units.append(para.strip())
        else:
            units.extend(s for s in split_sentences(para) if s.strip())
    return units


def join_units(units: list[str]) -> str:
    """Units back into answer text: a block is its own paragraph, sentences share one."""
    text = ""
    for unit in units:
        sep = "\n\n" if text and ("\n" in unit or "\n" in text.rsplit("\n\n", 1)[-1]) else " "
        text = f"{text}{sep}{unit}" if text else unit
    return text


def rejected_claims(raw: str, kept: list[str], hits: list[dict[str, Any]], limit: int) -> list[str]:
    """Model sentences that are claims but were not kept by the grounding check.

    Sentences after the draft was full are not counted; a sentence that repeats a kept one is kept.
    """
    kept_words = [content_tokens(strip_cites(k)) for k in kept]
    out: list[str] = []
    for sentence in split_sentences(raw):
        if not sentence.strip() or not is_claim(sentence, hits):
            continue
        words = content_tokens(strip_cites(sentence))
        if any(len(words & k) / max(1, len(words | k)) >= 0.6 for k in kept_words):
            continue
        if len(kept) >= limit:
            break
        out.append(sentence)
    return out


def renumber(sentences: list[str], citations: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Keep ``citations`` used by ``sentences`` only, in order of first use, markers renumbered."""
    order: list[int] = []
    for s in sentences:
        order.extend(n for n in cited(s) if n not in order and 1 <= n <= len(citations))

    def swap(match: re.Match[str]) -> str:
        n = int(match.group(1))
        return f"[{order.index(n) + 1}]" if n in order else ""

    out = [re.sub(r"\[(\d{1,2})\]", swap, s) for s in sentences]
    return out, [citations[n - 1] for n in order]
