"""Golden-set loader: the DESIGN JSONL format, validated line by line, versioned by content hash.

One object per line: ``{id, question, reference_answer, reference_contexts: [str],
source_docs: [str], category}``. Extra keys (``expected_behavior``, ``context_group``, ...)
are kept in :attr:`GoldenCase.extra`. A multi-turn case has ``turns`` (:class:`GoldenTurn`, each
with its own question and expectations). A bad line raises :class:`UserInputError` naming the
line number and the field, which the CLI turns into exit 2.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from deskpilot.exceptions import UserInputError
from evals.decision_schema import DECISION_FIELDS, DecisionExpectation
from evals.jsonl import parse_models

OUT_OF_SCOPE = "out_of_scope"


class GoldenCase(DecisionExpectation):
    """Decision and ticket fields (optional): :mod:`evals.decision_schema`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    reference_answer: str
    reference_contexts: list[str]
    source_docs: list[str]
    category: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _first_turn(cls, data: Any) -> Any:
        """A multi-turn case (``turns``: at least 2, validated) may leave the single-case fields
        out: they default to its first turn's. The turns stay in ``extra`` (single cases hash as before)."""
        if not isinstance(data, dict) or "turns" not in data:
            return data
        turns = data["turns"]
        if not isinstance(turns, list) or len(turns) < 2:
            raise ValueError("'turns' must be a list of at least 2 turns")
        parsed = []
        for i, turn in enumerate(turns, start=1):
            try:
                parsed.append(GoldenTurn.model_validate(turn))
            except ValidationError as exc:
                err = exc.errors()[0]
                where = ".".join(str(p) for p in err["loc"]) or "(turn)"
                raise ValueError(f"turn {i}: field '{where}': {err['msg']}") from None
        first = parsed[0]
        defaults = {
            "question": first.question,
            "reference_answer": first.reference_answer,
            "reference_contexts": first.reference_contexts,
            "source_docs": first.source_docs,
        }
        return {**defaults, **data, "turns": [t.model_dump() for t in parsed]}

    @property
    def turns(self) -> list[GoldenTurn]:
        """The turns of a multi-turn case (played on one thread, ``evals.conversations``); [] otherwise."""
        return [GoldenTurn.model_validate(t) for t in self.extra.get("turns") or []]

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @property
    def extra(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @property
    def expected_behavior(self) -> Literal["answer", "abstain"]:
        """``abstain`` when the line says so or the category is ``out_of_scope``."""
        value = self.extra.get("expected_behavior")
        if value == "answer":
            return "answer"
        if value == "abstain":
            return "abstain"
        return "abstain" if self.category == OUT_OF_SCOPE else "answer"

    @property
    def case_hash(self) -> str:
        unset = {k for k in DECISION_FIELDS if getattr(self, k) is None}  # hashes of older lines unchanged
        raw = json.dumps(self.model_dump(exclude=unset), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    def as_item(self) -> dict[str, Any]:
        """The plain dict ``retrieval.metrics`` expects."""
        return self.model_dump()


class GoldenSet(BaseModel):
    path: str
    hash: str = Field(description="sha256 of the file bytes (first 16 hex digits)")
    cases: list[GoldenCase]

    def limited(self, limit: int | None) -> GoldenSet:
        if limit is None:
            return self
        return self.model_copy(update={"cases": self.cases[:limit]})


def parse_golden(text: str, *, source: str = "<string>") -> list[GoldenCase]:
    cases: list[GoldenCase] = []
    seen: dict[str, int] = {}
    for lineno, case in parse_models(text, GoldenCase, source=source):
        if case.id in seen:
            raise UserInputError(f"{source}:{lineno}: field 'id': duplicate of line {seen[case.id]}")
        seen[case.id] = lineno
        cases.append(case)
    if not cases:
        raise UserInputError(f"{source}: no golden cases")
    return cases


def load_golden(path: str | Path, *, limit: int | None = None) -> GoldenSet:
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"dataset not found: {p}")
    if limit is not None and limit < 1:
        raise UserInputError("--limit must be at least 1")
    raw = p.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserInputError(f"{p}: not UTF-8 text") from exc
    cases = parse_golden(text, source=p.name)
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return GoldenSet(path=str(p.resolve()), hash=digest, cases=cases).limited(limit)


class GoldenTurn(BaseModel):
    """One turn of a multi-turn case (``turns``): its own question and expectations."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str = Field(min_length=1)
    reference_answer: str = ""
    reference_contexts: list[str] = Field(default_factory=list)
    source_docs: list[str] = Field(default_factory=list)
    expected_behavior: Literal["answer", "abstain"] = "answer"
    category: str | None = None
