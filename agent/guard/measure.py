"""Scoring helpers shared by ``bench/guard.py`` and the unit tests (pure functions)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agent.guard.pii import redact


class PIIItem(BaseModel):
    text: str
    pii: list[dict[str, str]] = Field(default_factory=list, description="[{kind, value}] to redact")
    keep: list[str] = Field(default_factory=list, description="substrings that must survive")


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pii_scores(items: Iterable[PIIItem]) -> dict[str, Any]:
    """Recall per kind (value gone and the kind reported), precision over keep-lists and kinds."""
    found: dict[str, int] = {}
    total: dict[str, int] = {}
    kept_ok = kept_total = false_kinds = 0
    misses: list[str] = []
    for item in items:
        out = redact(item.text)
        expected = {p["kind"] for p in item.pii}
        for p in item.pii:
            total[p["kind"]] = total.get(p["kind"], 0) + 1
            if p["value"] not in out.text and p["kind"] in out.kinds:
                found[p["kind"]] = found.get(p["kind"], 0) + 1
            else:
                misses.append(f"{p['kind']}: {item.text}")
        for value in item.keep:
            kept_total += 1
            kept_ok += value in out.text
            if value not in out.text:
                misses.append(f"over-redacted: {item.text} -> {out.text}")
        false_kinds += len(set(out.kinds) - expected)
    recall = {k: found.get(k, 0) / n for k, n in sorted(total.items())}
    redactions = sum(found.values()) + false_kinds + (kept_total - kept_ok)
    return {
        "recall": recall,
        "counts": dict(sorted(total.items())),
        "negatives_kept": kept_ok / kept_total if kept_total else 1.0,
        "precision": sum(found.values()) / redactions if redactions else 1.0,
        "errors": misses,
    }


def flag_rate(texts: list[str], flagged: Callable[[list[str]], list[bool]]) -> dict[str, Any]:
    marks = flagged(texts)
    hits = [t for t, m in zip(texts, marks, strict=True) if m]
    return {"n": len(texts), "flagged": len(hits), "rate": len(hits) / len(texts) if texts else 0.0}
