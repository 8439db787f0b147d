"""The LangGraph checkpointer: SqliteSaver at ``$DATA_DIR/checkpoints.db`` by default,
PostgresSaver when the checkpoint (or database) URL is PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from deskpilot.settings import Settings


def checkpoint_url(settings: Settings) -> str:
    if settings.checkpoint_url:
        return settings.checkpoint_url
    if settings.is_postgres:
        return settings.resolved_database_url
    return str((settings.ensure_data_dir() / "checkpoints.db").resolve())


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgresql", "postgres"))


@contextmanager
def open_checkpointer(settings: Settings) -> Iterator[Any]:
    """Yield a ready (set-up) saver; connections close on exit."""
    url = checkpoint_url(settings)
    if _is_postgres(url):
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
        with ConnectionPool(
            conninfo,
            min_size=1,
            max_size=4,
            open=True,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        ) as pool:
            saver = PostgresSaver(pool)  # type: ignore[arg-type]
            saver.setup()
            yield saver
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path, check_same_thread=False)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        sqlite_saver = SqliteSaver(conn)
        sqlite_saver.setup()
        yield sqlite_saver
    finally:
        conn.close()
