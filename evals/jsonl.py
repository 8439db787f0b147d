"""One JSONL reader for the eval files people write by hand (golden sets, audit labels): every
bad line is a ``UserInputError`` naming ``source:line`` and the field."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from deskpilot.exceptions import UserInputError

M = TypeVar("M", bound=BaseModel)


def field_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(line)"
    return f"field '{loc}': {first['msg']}"


def iter_objects(text: str, *, source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, JSON object)`` for each non-blank line of ``text``."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserInputError(f"{source}:{lineno}: not valid JSON ({exc.msg})") from exc
        if not isinstance(data, dict):
            raise UserInputError(f"{source}:{lineno}: each line must be a JSON object")
        yield lineno, data


def parse_models(text: str, model: type[M], *, source: str) -> Iterator[tuple[int, M]]:
    """``(line number, validated model)`` for each non-blank line of ``text``."""
    for lineno, data in iter_objects(text, source=source):
        try:
            yield lineno, model.model_validate(data)
        except ValidationError as exc:
            raise UserInputError(f"{source}:{lineno}: {field_error(exc)}") from exc
