"""Labelling sheets: a run's answers laid out for people to label, and filled sheets merged back.

A sheet is JSONL, one row per answered-or-not in-scope case: what the labeller needs
(question, reference answer and contexts, the answer, the text of each cited passage) plus
``answer_sha256``, the case's split and the current label if any. The labeller fills
``verdict`` / ``reason`` (and ``labeller``); :func:`merge_sheet` turns filled rows into audit
labels, replacing an earlier label of the same answer. Splits follow the project rule:
RHDH-style sets (with ``context_group``) use ``retrieval.metrics.split_by_group(tune_fraction=0.6,
seed=13)``; others hold a case out when ``int(sha256(id), 16) % 10 >= 6``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from deskpilot.exceptions import UserInputError
from evals.audit import AuditLabel, answer_sha256, label_index, match_label
from evals.jsonl import iter_objects
from evals.metrics.correctness import cited_texts
from evals.results import EvalResults

SHEET_FIELDS = ("verdict", "reason", "labeller")


def hash_split(case_id: str) -> str:
    return "heldout" if int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % 10 >= 6 else "tune"


def split_of(results: EvalResults) -> dict[str, str]:
    """case id → 'tune' | 'heldout' for every case of the run's dataset."""
    from evals.dataset import load_golden
    from retrieval.metrics import split_by_group

    ids = [r.id for r in results.per_case]
    path = Path(results.dataset.path)
    if not path.is_file():
        raise UserInputError(f"the run's dataset {path} is not readable: it is needed to split the cases")
    items = [c.as_item() | c.extra for c in load_golden(path).cases]
    if any("context_group" in it for it in items):
        _, held = split_by_group(items, tune_fraction=0.6, seed=13)
        held_ids = {str(it["id"]) for it in held}
        return {i: "heldout" if i in held_ids else "tune" for i in ids}
    return {i: hash_split(i) for i in ids}


def sheet_rows(
    results: EvalResults, labels: list[AuditLabel], *, split: str | None = None, unlabelled_only: bool = False
) -> list[dict[str, Any]]:
    splits = split_of(results)
    index = label_index(labels)
    rows: list[dict[str, Any]] = []
    for rec in results.per_case:
        if not rec.ok or rec.expected_behavior != "answer":
            continue
        if split and splits.get(rec.id) != split:
            continue
        match = match_label(index, rec.id, rec.answer)
        if unlabelled_only and match.status == "matched":
            continue
        current = match.label if match.status == "matched" else None
        previous = match.label if match.status == "stale" else None
        cited = rec.cited_passages if any(rec.cited_passages) else cited_texts(rec)
        rows.append(
            {
                "case_id": rec.id,
                "split": splits.get(rec.id, "tune"),
                "category": rec.category,
                "question": rec.question,
                "reference_answer": rec.reference_answer,
                "reference_contexts": rec.reference_contexts,
                "answer": rec.answer,
                "answer_mode": rec.answer_mode,
                "cited": [
                    {"n": i + 1, "source": src, "text": cited[i] if i < len(cited) else ""}
                    for i, src in enumerate(rec.citations)
                ],
                "answer_sha256": answer_sha256(rec.answer),
                "label_status": match.status,
                "previous_label": previous.model_dump() if previous else None,
                "verdict": current.verdict if current else "",
                "reason": current.reason if current else "",
                "labeller": current.labeller if current else "",
            }
        )
    return rows


def spread(rows: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """At most ``limit`` rows taken round-robin over answer modes (in case order within a mode),
    so a short sheet still covers every mode; the result keeps the run's case order."""
    by_mode: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_mode.setdefault(str(r.get("answer_mode") or ""), []).append(i)
    picked: list[int] = []
    queues = [list(v) for _, v in sorted(by_mode.items())]
    while len(picked) < limit and any(queues):
        for q in queues:
            if q and len(picked) < limit:
                picked.append(q.pop(0))
    return [rows[i] for i in sorted(picked)]


def dump_sheet(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def sheet_markdown(rows: list[dict[str, Any]]) -> str:
    """The same rows as a page to read (labels still go in the JSONL)."""
    out = ["# Labelling sheet", "", "Guide: evals/audits/GUIDE.md. Fill verdict/reason in the JSONL.", ""]
    for r in rows:
        out += [
            f"## {r['case_id']} ({r['split']}, {r['category']}, {r['answer_mode']}) — {r['label_status']}",
            "",
            f"**Question:** {r['question']}",
            "",
            f"**Reference:** {r['reference_answer']}",
            "",
            "**Answer:**",
            "",
            *(f"> {line}" for line in (r["answer"] or "(empty)").splitlines()),
            "",
        ]
        for c in r["cited"]:
            out += [f"[{c['n']}] `{c['source']}`: {c['text'][:1200]}", ""]
        if r["reference_contexts"]:
            out += ["Reference contexts:", "", *(f"- {c[:800]}" for c in r["reference_contexts"]), ""]
    return "\n".join(out) + "\n"


def merge_sheet(
    sheet_text: str, existing: list[AuditLabel], *, source: str = "<sheet>", labeller: str | None = None
) -> tuple[list[AuditLabel], int, int]:
    """Existing labels updated with the sheet's filled rows → (labels, added or replaced, skipped).

    A row with an empty verdict is skipped; a row whose answer no longer hashes to its
    ``answer_sha256`` (edited) or with a bad verdict is an error naming the line."""
    merged = {(lab.case_id, lab.answer_sha256): lab for lab in existing}
    changed = skipped = 0
    for lineno, row in iter_objects(sheet_text, source=source):
        if not str(row.get("verdict") or "").strip():
            skipped += 1
            continue
        if "answer" in row and answer_sha256(str(row["answer"])) != row.get("answer_sha256"):
            raise UserInputError(f"{source}:{lineno}: the answer text does not match answer_sha256 (edited?)")
        data = {k: row.get(k) for k in ("case_id", "answer_sha256", "split")}
        data |= {
            "verdict": str(row["verdict"]).strip(),
            "reason": str(row.get("reason") or "").strip(),
            "labeller": str(row.get("labeller") or labeller or "").strip(),
            "answer": str(row["answer"]) if row.get("answer") else None,
        }
        try:
            label = AuditLabel.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise UserInputError(f"{source}:{lineno}: field '{where}': {err['msg']}") from exc
        key = (label.case_id, label.answer_sha256)
        if merged.get(key) != label:
            changed += 1
        merged[key] = label
    return list(merged.values()), changed, skipped
