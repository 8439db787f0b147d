"""Runs the REAL agent (``agent.service.AgentService``) over a golden set.

- Bounded concurrency (default 1: the local model is single-threaded behind a lock).
- Resumable: each finished case is written at once to ``<run_dir>/cases/<id>.json``; a case
  is reused when its case hash and config hash match, so a killed run continues where it
  stopped. Failed cases are recorded with their error (and retried on the next run).
- Scoring and aggregation happen after all cases are in (``evals.metrics``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from deskpilot.exceptions import DeskpilotError
from evals.config import EvalConfig
from evals.dataset import GoldenCase, GoldenSet
from evals.records import CaseRecord, failed_record, record_from_result

AskFn = Callable[[GoldenCase], Any]
"""Runs one case through the agent and returns an ``agent.models.AgentResult``."""


def _no_retrieval(*args: Any, **kwargs: Any) -> list[Any]:
    return []


def build_service(config: EvalConfig, settings: Any) -> Any:
    """The production agent wiring at the eval's run; ``retrieval_enabled=False`` swaps search
    for nothing. ``settings`` (infrastructure: data dir, database) come from the entry point."""
    from langgraph.checkpoint.memory import InMemorySaver

    from agent.context import default_deps
    from agent.service import AgentService

    overrides: dict[str, Any] = {} if config.retrieval_enabled else {"search": _no_retrieval}
    deps = default_deps(settings, run=config.run, **overrides)
    return AgentService(settings, deps=deps, checkpointer=InMemorySaver())


def service_ask(service: Any, config: EvalConfig) -> AskFn:
    def ask(case: GoldenCase) -> Any:
        if case.is_ticket:  # the ticket entry mode of the same graph (evals.ticket_cases)
            from evals.ticket_cases import assist_case

            return assist_case(
                service, case, tenant=config.tenant, collection=config.collection, run=config.run
            )
        thread = f"eval-{config.config_hash}-{case.case_hash}"
        if case.extra.get("thread"):  # a turn of a multi-turn case: its conversation's thread
            thread = f"eval-{config.config_hash}-{case.extra['thread']}"
        return service.ask(
            case.question,
            thread_id=thread,
            tenant=config.tenant,
            collection=config.collection,
            run=config.run,
        )

    return ask


def _cache_path(cases_dir: Path, case: GoldenCase) -> Path:
    return cases_dir / (hashlib.sha256(case.id.encode()).hexdigest()[:20] + ".json")


def _cached(path: Path, case: GoldenCase, config_hash: str) -> CaseRecord | None:
    if not path.is_file():
        return None
    try:
        rec = CaseRecord.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return None  # a torn write from a killed run: recompute
    if rec.id != case.id or rec.case_hash != case.case_hash or rec.config_hash != config_hash or not rec.ok:
        return None
    return rec


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _run_one(case: GoldenCase, ask: AskFn, config_hash: str) -> CaseRecord:
    start = time.perf_counter()
    try:
        result = ask(case)
        from evals.ticket_cases import is_ticket_result, record_from_ticket

        if is_ticket_result(result):
            return record_from_ticket(case, config_hash, result)
        return record_from_result(case, config_hash, result)
    except (DeskpilotError, Exception) as exc:  # a failing case is recorded, never dropped
        return failed_record(case, config_hash, f"{type(exc).__name__}: {exc}", time.perf_counter() - start)


def run_cases(
    golden: GoldenSet,
    config: EvalConfig,
    run_dir: Path,
    ask: AskFn,
    *,
    on_done: Callable[[CaseRecord, bool], None] | None = None,
) -> list[CaseRecord]:
    """One record per golden case, in dataset order; ``on_done(record, from_cache)``."""
    cases_dir = run_dir / "cases"
    cases_dir.mkdir(parents=True, exist_ok=True)
    config_hash = config.config_hash
    records: dict[str, CaseRecord] = {}
    todo: list[GoldenCase] = []
    for case in golden.cases:
        rec = _cached(_cache_path(cases_dir, case), case, config_hash)
        if rec is not None:
            records[case.id] = rec
            if on_done:
                on_done(rec, True)
        else:
            todo.append(case)

    def work(case: GoldenCase) -> CaseRecord:
        rec = _run_one(case, ask, config_hash)
        _write_atomic(_cache_path(cases_dir, case), rec.model_dump_json())
        return rec

    with ThreadPoolExecutor(max_workers=config.concurrency) as pool:
        for rec in pool.map(work, todo):
            records[rec.id] = rec
            if on_done:
                on_done(rec, False)
    return [records[c.id] for c in golden.cases]


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, json.dumps(data, indent=2, ensure_ascii=False, default=str))


def run_eval(
    golden: GoldenSet,
    config: EvalConfig,
    run_dir: Path,
    *,
    ask: AskFn | None = None,
    settings: Any = None,
    judge_model: str | None = None,
    judge_extra: dict[str, Any] | None = None,
    on_done: Callable[[CaseRecord, bool], None] | None = None,
    audit_files: list[Path] | None = None,
) -> Any:
    """Run (or resume) every case, score, aggregate and write ``results.json``; returns EvalResults.

    Correctness verdicts come from the audit labels of ``audit_files`` (default: every
    ``evals/audits/*.jsonl``) where they match the current answer, else from the proxies."""
    from datetime import UTC, datetime

    from evals.audit import AUDITS_DIR, load_audits
    from evals.decisions import decision_metrics, decision_report
    from evals.embeddings import LocalRagasEmbeddings
    from evals.metrics.aggregate import score_records, slices, summarize
    from evals.metrics.agreement import agreement, heldout_agreement
    from evals.metrics.judge import JudgeScorer, judge_meaningful
    from evals.metrics.routing import confusion
    from evals.metrics.verdicts import apply_verdicts
    from evals.results import AuditInfo, DatasetRef, EvalResults, JudgeInfo

    files = sorted(AUDITS_DIR.glob("*.jsonl")) if audit_files is None else list(audit_files)
    labels = load_audits(files)  # bad labels fail before any agent call
    started = time.perf_counter()
    service = None
    if ask is None:
        if settings is None:
            raise ValueError("run_eval needs settings (from the entry point) to build the agent")
        service = build_service(config, settings)
        ask = service_ask(service, config)
    try:
        from evals.conversations import run_dataset  # multi-turn cases: played on one thread

        records = run_dataset(golden, config, run_dir, ask, on_done=on_done)
    finally:
        if service is not None:
            service.close()
    embeddings = LocalRagasEmbeddings()
    judge_info = JudgeInfo()
    judge = None
    if judge_model:
        judge = JudgeScorer(judge_model, embeddings, **(judge_extra or {}))
        meaningful = judge_meaningful(judge_model)
        judge_info = JudgeInfo(
            model=judge_model,
            meaningful=meaningful,
            note=""
            if meaningful
            else "judge is the local 135M model: judge scores only exercise the plumbing "
            "and are NOT meaningful",
        )
    score_records(records, embeddings, judge)
    apply_verdicts(records, labels)
    results = EvalResults(
        run_id=run_dir.name,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        n=len(golden.cases),
        metrics=summarize(records, len(golden.cases)) | decision_metrics(records),
        per_case=records,
        slices=slices(records),
        confusion=confusion(records),
        config=config.model_dump(),
        config_hash=config.config_hash,
        dataset=DatasetRef(path=golden.path, hash=golden.hash),
        prompt_versions=config.prompt_versions,
        model=config.model,
        judge=judge_info,
        wall_time_s=round(time.perf_counter() - started, 3),
        audit=AuditInfo(files=[str(f) for f in files], n_labels=len(labels)),
        proxy_agreement=agreement(records),
        proxy_agreement_heldout=heldout_agreement(records),
        decisions=decision_report(records),
    )
    from evals.conversations import split_followups  # follow-up turns: the "followup" slice

    results = split_followups(results, len(golden.cases))
    results.save(run_dir)
    return results
