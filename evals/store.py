"""Eval runs recorded in the database (SQLite by default, PostgreSQL by URL), for trends."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import JSON, Boolean, DateTime, Integer, String, inspect, select, text
from sqlalchemy.orm import Mapped, mapped_column

from deskpilot.db import Base, create_tables, get_engine, session_scope
from deskpilot.exceptions import DeskpilotError
from evals.results import EvalResults

log = logging.getLogger(__name__)
TABLE = "eval_runs"


class EvalRun(Base):
    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    run_dir: Mapped[str] = mapped_column(String(1000))
    dataset_path: Mapped[str] = mapped_column(String(1000))
    dataset_hash: Mapped[str] = mapped_column(String(64), index=True)
    config_hash: Mapped[str] = mapped_column(String(64))
    model: Mapped[str] = mapped_column(String(200))
    n: Mapped[int] = mapped_column(Integer)
    n_failed: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    prompt_versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the accepted run this one was gated against (nightly), and what started it
    baseline_run_id: Mapped[str | None] = mapped_column(String(200), nullable=True, default=None)
    trigger: Mapped[str | None] = mapped_column(String(20), nullable=True, default=None)


ADDED_COLUMNS = {"baseline_run_id": "VARCHAR(200)", "trigger": "VARCHAR(20)"}


def _engine() -> Any:
    engine = get_engine()
    create_tables(engine, TABLE)
    have = {c["name"] for c in inspect(engine).get_columns(TABLE)}
    missing = [(name, sql) for name, sql in ADDED_COLUMNS.items() if name not in have]
    if missing:  # a database from before these columns: add them (nullable, no data to move)
        with engine.begin() as conn:
            for name, sql in missing:
                conn.execute(text(f"ALTER TABLE {TABLE} ADD COLUMN {name} {sql}"))
    return engine


def record_run(
    results: EvalResults,
    run_dir: str,
    passed: bool | None,
    *,
    baseline_run_id: str | None = None,
    trigger: str | None = None,
) -> int:
    with session_scope(_engine()) as session:
        row = EvalRun(
            run_id=results.run_id,
            created_at=datetime.fromisoformat(results.created_at)
            if results.created_at
            else datetime.now(UTC),
            run_dir=run_dir,
            dataset_path=results.dataset.path,
            dataset_hash=results.dataset.hash,
            config_hash=results.config_hash,
            model=results.model,
            n=results.n,
            n_failed=len(results.failed),
            passed=passed,
            metrics=results.metrics,
            prompt_versions=results.prompt_versions,
            baseline_run_id=baseline_run_id,
            trigger=trigger,
        )
        session.add(row)
        session.flush()
        return int(row.id)


def history(
    dataset_path: str | None = None, limit: int = 30, *, dataset_hash: str | None = None
) -> list[tuple[str, dict[str, float | None]]]:
    """(run_id, metrics) of recorded runs, oldest first, optionally for one dataset path / hash."""
    stmt = select(EvalRun).order_by(EvalRun.created_at.desc(), EvalRun.id.desc()).limit(limit)
    if dataset_path:
        stmt = stmt.where(EvalRun.dataset_path == dataset_path)
    if dataset_hash:
        stmt = stmt.where(EvalRun.dataset_hash == dataset_hash)
    with session_scope(_engine()) as session:
        rows = list(session.scalars(stmt))
        return [(r.run_id, dict(r.metrics)) for r in reversed(rows)]


class RunRow(BaseModel):
    """One recorded run, as the nightly reads it back."""

    run_id: str
    created_at: datetime
    run_dir: str
    dataset_hash: str
    passed: bool | None
    metrics: dict[str, float | None]
    baseline_run_id: str | None = None
    trigger: str | None = None


def _row(r: EvalRun) -> RunRow:
    created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=UTC)
    return RunRow(
        run_id=r.run_id,
        created_at=created,
        run_dir=r.run_dir,
        dataset_hash=r.dataset_hash,
        passed=r.passed,
        metrics=dict(r.metrics),
        baseline_run_id=r.baseline_run_id,
        trigger=r.trigger,
    )


def runs(dataset_hash: str, *, passed: bool | None = None, limit: int = 30) -> list[RunRow]:
    """Recorded runs on this dataset hash, newest first; ``passed=True``: accepted ones only."""
    stmt = select(EvalRun).where(EvalRun.dataset_hash == dataset_hash)
    if passed is not None:
        stmt = stmt.where(EvalRun.passed.is_(passed))
    stmt = stmt.order_by(EvalRun.created_at.desc(), EvalRun.id.desc()).limit(limit)
    with session_scope(_engine()) as session:
        return [_row(r) for r in session.scalars(stmt)]


def last_accepted(dataset_hash: str) -> tuple[RunRow, EvalResults] | None:
    """The newest run on this dataset hash that passed its gate and whose results.json still
    loads (a deleted run dir is skipped, with a warning): the nightly's baseline."""
    from evals.results import load_results

    for row in runs(dataset_hash, passed=True):
        try:
            return row, load_results(row.run_dir)
        except (OSError, ValueError, DeskpilotError) as exc:
            log.warning("accepted run %s unreadable, trying an older one: %s", row.run_id, exc)
    return None
