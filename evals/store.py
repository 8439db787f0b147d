"""Eval runs recorded in the database (SQLite by default, PostgreSQL by URL), for trends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from deskpilot.db import Base, create_tables, get_engine, session_scope
from evals.results import EvalResults

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


def _engine() -> Any:
    engine = get_engine()
    create_tables(engine, TABLE)
    return engine


def record_run(results: EvalResults, run_dir: str, passed: bool | None) -> int:
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
        )
        session.add(row)
        session.flush()
        return int(row.id)


def history(dataset_path: str | None = None, limit: int = 30) -> list[tuple[str, dict[str, float | None]]]:
    """(run_id, metrics) of recorded runs, oldest first, optionally for one dataset path."""
    stmt = select(EvalRun).order_by(EvalRun.created_at.desc(), EvalRun.id.desc()).limit(limit)
    if dataset_path:
        stmt = stmt.where(EvalRun.dataset_path == dataset_path)
    with session_scope(_engine()) as session:
        rows = list(session.scalars(stmt))
        return [(r.run_id, dict(r.metrics)) for r in reversed(rows)]
