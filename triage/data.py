"""Load labeled tickets from CSV or JSONL with configurable column names."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

from deskpilot.exceptions import UserInputError
from triage.schema import LabeledData

PRIORITY_COLUMNS = ("priority",)


def _read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise UserInputError(f"data file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        rows: list[dict[str, Any]] = []
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise UserInputError(f"{path.name} line {n}: not valid JSON ({exc.msg})") from exc
                if not isinstance(obj, dict):
                    raise UserInputError(f"{path.name} line {n}: expected a JSON object")
                rows.append(obj)
        return rows
    if suffix in (".csv", ".tsv"):
        with path.open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh, delimiter="\t" if suffix == ".tsv" else ","))
    raise UserInputError(f"unsupported data format {suffix or '(none)'}: use .csv or .jsonl")


def _columns(rows: list[dict[str, Any]]) -> set[str]:
    cols: set[str] = set()
    for row in rows:
        cols.update(k for k in row if k is not None)
    return cols


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_texts(path: Path, text_col: str = "text") -> tuple[list[str], list[dict[str, Any]]]:
    """Texts (and the raw rows) for prediction; the label column is optional here."""
    rows = _read_rows(path)
    if rows and text_col not in _columns(rows):
        raise UserInputError(
            f"{path.name}: missing column {text_col!r} (have: {', '.join(sorted(_columns(rows)))})"
        )
    return [str(r.get(text_col) or "") for r in rows], rows


def load_labeled(
    path: Path,
    *,
    text_col: str = "text",
    label_col: str = "category",
    priority_col: str | None = None,
    group_col: str | None = None,
) -> LabeledData:
    """Labeled tickets; rows with an empty label are dropped, a missing column is exit 2."""
    rows = _read_rows(path)
    if not rows:
        raise UserInputError(f"{path.name}: no rows")
    cols = _columns(rows)
    for col in (text_col, label_col, group_col):
        if col and col not in cols:
            raise UserInputError(f"{path.name}: missing column {col!r} (have: {', '.join(sorted(cols))})")
    if priority_col is None:
        priority_col = next((c for c in PRIORITY_COLUMNS if c in cols), None)
    elif priority_col not in cols:
        raise UserInputError(f"{path.name}: missing column {priority_col!r}")
    kept = [r for r in rows if str(r.get(label_col) or "").strip()]
    if not kept:
        raise UserInputError(f"{path.name}: column {label_col!r} is empty in every row")
    priorities = None
    if priority_col:
        raw = [str(r.get(priority_col) or "").strip().upper() for r in kept]
        if all(p in ("P1", "P2", "P3", "P4") for p in raw):
            priorities = raw
    return LabeledData(
        texts=[str(r.get(text_col) or "") for r in kept],
        labels=[str(r[label_col]).strip() for r in kept],
        priorities=priorities,
        groups=[str(r.get(group_col) or "") for r in kept] if group_col else None,
        source_hash=file_hash(path),
    )
