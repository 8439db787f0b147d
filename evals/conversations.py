"""Multi-turn golden cases (``turns``) played on ONE agent thread, scored turn by turn.

Each turn becomes a case of its own (:func:`turn_cases`: id ``<case>#turn<n>``, the turn's question
and expectations, ``thread`` = the conversation's hash so every turn reaches the same thread), is
asked in order and recorded like a single case (``CaseRecord.turn`` = n). A conversation is cached
as a whole (``cases/<hash>.turns.json``): a turn only means something after the turns before it,
so a conversation with a failed or stale turn is played again from its first turn.

Aggregation keeps single-turn metrics as they were: first turns are standalone questions and
count with the single cases; follow-up turns (n >= 2) are left out of ``metrics`` and summarised in
the ``followup`` slice, with ``followup_right_guide`` (share of follow-up turns expected to be
answered that were answered from a guide in their ``source_docs``: the first cited source, or the
top retrieved one for an answer without citations) in both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from evals.config import EvalConfig
from evals.dataset import GoldenCase, GoldenSet
from evals.records import CaseRecord

FOLLOWUP_SLICE = "followup"
OnDone = Callable[[CaseRecord, bool], None]


def turn_cases(case: GoldenCase) -> list[GoldenCase]:
    """The turns of a multi-turn case as single cases, in order."""
    return [
        GoldenCase.model_validate(
            {
                "id": f"{case.id}#turn{i}",
                "question": t.question,
                "reference_answer": t.reference_answer,
                "reference_contexts": t.reference_contexts,
                "source_docs": t.source_docs,
                "category": t.category or case.category,
                "expected_behavior": t.expected_behavior,
                "conversation": case.id,
                "turn": i,
                "thread": case.case_hash,
            }
        )
        for i, t in enumerate(case.turns, start=1)
    ]


def is_followup(rec: CaseRecord) -> bool:
    return rec.turn >= 2


def single_turn(records: list[CaseRecord]) -> list[CaseRecord]:
    """Single cases and first turns: what the single-turn metrics average over."""
    return [r for r in records if not is_followup(r)]


def right_guide(rec: CaseRecord) -> bool | None:
    """Whether an answered turn came from a guide in its ``source_docs``; None when not scored."""
    if not rec.ok or rec.expected_behavior != "answer" or not rec.source_docs:
        return None
    if not rec.answered:
        return False
    source = rec.citations[0] if rec.citations else (rec.retrieved[0].source if rec.retrieved else "")
    return source in rec.source_docs


def followup_metrics(records: list[CaseRecord]) -> dict[str, float | None]:
    """``followup_right_guide`` and ``followup_n`` (empty when the dataset has no follow-up turn)."""
    scored = [v for r in records if is_followup(r) and (v := right_guide(r)) is not None]
    if not any(is_followup(r) for r in records):
        return {}
    return {
        "followup_right_guide": sum(scored) / len(scored) if scored else None,
        "followup_n": float(len(scored)),
    }


def followup_slices(records: list[CaseRecord]) -> dict[str, dict[str, float | None]]:
    """The ``followup`` slice: every metric over the follow-up turns ({} when there are none)."""
    from evals.metrics.aggregate import summarize

    turns = [r for r in records if is_followup(r)]
    if not turns:
        return {}
    return {FOLLOWUP_SLICE: {"n": float(len(turns)), **summarize(turns), **followup_metrics(turns)}}


def split_followups(results: Any, n_cases: int) -> Any:
    """``results`` (an ``EvalResults``) with follow-up turns out of ``metrics`` and the category
    slices, and in the ``followup`` slice (plus ``followup_right_guide`` / ``followup_n``);
    unchanged when the dataset has no multi-turn case. Other keys of ``metrics`` are kept."""
    from evals.metrics.aggregate import slices, summarize

    records = list(results.per_case)
    if not any(is_followup(r) for r in records):
        return results
    singles = single_turn(records)
    metrics = {**results.metrics, **summarize(singles, n_cases), **followup_metrics(records)}
    return results.model_copy(
        update={"metrics": metrics, "slices": {**slices(singles), **followup_slices(records)}}
    )


def _cache_path(cases_dir: Path, case: GoldenCase) -> Path:
    return cases_dir / (hashlib.sha256(case.id.encode()).hexdigest()[:20] + ".turns.json")


def _cached(path: Path, turns: list[GoldenCase], config_hash: str) -> list[CaseRecord] | None:
    if not path.is_file():
        return None
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        recs = [CaseRecord.model_validate(r) for r in rows]
    except (ValueError, OSError):
        return None
    if [(r.id, r.case_hash, r.config_hash, r.ok) for r in recs] != [
        (t.id, t.case_hash, config_hash, True) for t in turns
    ]:
        return None
    return recs


def play(
    case: GoldenCase, ask: Callable[[GoldenCase], Any], config_hash: str, cases_dir: Path
) -> tuple[list[CaseRecord], bool]:
    """(one record per turn, from cache); the turns are asked in order on one thread."""
    from evals.runner import _run_one, _write_atomic

    turns = turn_cases(case)
    path = _cache_path(cases_dir, case)
    cached = _cached(path, turns, config_hash)
    if cached is not None:
        return cached, True
    recs = [_run_one(turn, ask, config_hash) for turn in turns]
    _write_atomic(path, json.dumps([r.model_dump(mode="json") for r in recs], ensure_ascii=False))
    return recs, False


def run_dataset(
    golden: GoldenSet, config: EvalConfig, run_dir: Path, ask: Any, *, on_done: OnDone | None = None
) -> list[CaseRecord]:
    """Records of every case in dataset order: single cases through ``evals.runner.run_cases``,
    multi-turn cases played here (a conversation at a time per worker, its turns in order)."""
    from evals.runner import run_cases

    singles = golden.model_copy(update={"cases": [c for c in golden.cases if not c.turns]})
    convs = [c for c in golden.cases if c.turns]
    by_id: dict[str, list[CaseRecord]] = {}
    if singles.cases:
        for rec in run_cases(singles, config, run_dir, ask, on_done=on_done):
            by_id[rec.id] = [rec]
    if convs:
        cases_dir = run_dir / "cases"
        cases_dir.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=config.concurrency) as pool:
            done = pool.map(lambda c: play(c, ask, config.config_hash, cases_dir), convs)
            for case, (recs, from_cache) in zip(convs, done, strict=True):
                by_id[case.id] = recs
                for rec in recs:
                    if on_done:
                        on_done(rec, from_cache)
    return [rec for c in golden.cases for rec in by_id[c.id]]
