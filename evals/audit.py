"""Audit labels: people's verdicts on answers, matched to a run's answers by answer hash.

``evals/audits/<name>.jsonl``, one object per line::

    {"case_id": "acme-002", "answer_sha256": "…", "verdict": "incomplete",
     "reason": "drops the 5–10 business days", "split": "heldout", "labeller": "lead"}

A label only counts for a case while ``answer_sha256`` equals :func:`answer_sha256` of the
case's current answer; otherwise it is *stale* (the answer changed since it was labelled) and
is reported so someone re-labels it. The labelling guide is ``evals/audits/GUIDE.md``.
``answer`` (optional, written by ``audit-merge`` from the sheet) keeps the labelled text itself:
a hash alone can say whether a label still applies, but nothing can be learned from it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from deskpilot.exceptions import UserInputError
from evals.jsonl import parse_models

AUDITS_DIR = Path(__file__).resolve().parent / "audits"
Verdict = Literal["correct", "incomplete", "wrong", "no_answer"]
VERDICTS: tuple[str, ...] = ("correct", "incomplete", "wrong", "no_answer")
Split = Literal["tune", "heldout"]


def normalize_answer(text: str) -> str:
    """Whitespace-normalised answer text (runs of whitespace → one space, trimmed)."""
    return " ".join((text or "").split())


def answer_sha256(text: str) -> str:
    """The one answer hash used everywhere (labels, sheets, records)."""
    return hashlib.sha256(normalize_answer(text).encode("utf-8")).hexdigest()


class AuditLabel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    case_id: str = Field(min_length=1)
    answer_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    verdict: Verdict
    reason: str = Field(default="", max_length=500)
    split: Split
    labeller: str = Field(min_length=1)
    answer: str | None = Field(
        default=None, description="the labelled answer's text (kept so labels can train a model later)"
    )


@dataclass(frozen=True)
class LabelMatch:
    """The label state of one case: ``matched`` (label counts), ``stale`` or ``none``."""

    status: Literal["matched", "stale", "none"]
    label: AuditLabel | None = None


def parse_audit(text: str, *, source: str = "<string>") -> list[AuditLabel]:
    """Validated labels; a bad line raises ``UserInputError`` naming ``source:line``.

    The same (case_id, answer_sha256) twice is an error (two verdicts on one answer)."""
    labels: list[AuditLabel] = []
    seen: dict[tuple[str, str], int] = {}
    for lineno, label in parse_models(text, AuditLabel, source=source):
        key = (label.case_id, label.answer_sha256)
        if key in seen:
            raise UserInputError(
                f"{source}:{lineno}: case '{label.case_id}' with this answer hash is already "
                f"labelled on line {seen[key]}"
            )
        seen[key] = lineno
        labels.append(label)
    return labels


def load_audit(path: str | Path) -> list[AuditLabel]:
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"audit file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{p}: not UTF-8 text") from exc
    return parse_audit(text, source=p.name)


def load_audits(paths: Iterable[str | Path] | None = None) -> list[AuditLabel]:
    """Labels of the given files, or of every ``evals/audits/*.jsonl`` when ``paths`` is None."""
    files = sorted(AUDITS_DIR.glob("*.jsonl")) if paths is None else [Path(p) for p in paths]
    out: list[AuditLabel] = []
    for f in files:
        out += load_audit(f)
    return out


def label_index(labels: Iterable[AuditLabel]) -> dict[str, list[AuditLabel]]:
    by_case: dict[str, list[AuditLabel]] = {}
    for label in labels:
        by_case.setdefault(label.case_id, []).append(label)
    return by_case


def match_label(index: dict[str, list[AuditLabel]], case_id: str, answer: str) -> LabelMatch:
    """The label of this exact answer if any (the last one wins when files repeat it), else stale
    when the case has labels for other answers, else none."""
    labels = index.get(case_id, [])
    digest = answer_sha256(answer)
    hits = [lab for lab in labels if lab.answer_sha256 == digest]
    if hits:
        return LabelMatch("matched", hits[-1])
    return LabelMatch("stale", labels[-1]) if labels else LabelMatch("none")


def dump_labels(labels: Iterable[AuditLabel]) -> str:
    return "".join(json.dumps(lab.model_dump(exclude_none=True), ensure_ascii=False) + "\n" for lab in labels)
