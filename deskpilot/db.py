"""Database plumbing shared by every package: SQLite by default, PostgreSQL by URL.

Each package declares its tables on :class:`Base` in its own module and calls
:func:`create_tables` for them; this module knows no table itself.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from deskpilot.settings import Settings, infrastructure


def now() -> datetime:
    """The timestamp every table stores (UTC)."""
    return datetime.now(UTC)


def new_id(prefix: str) -> str:
    """A server-made identifier (``tk_…``, ``th_…``): unguessable, never chosen by a client."""
    return f"{prefix}{uuid.uuid4().hex}"


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def get_engine(url: str | None = None, settings: Settings | None = None) -> Engine:
    """One engine per URL per process."""
    s = settings or infrastructure()
    if url is None:
        if not s.database_url:
            s.ensure_data_dir()
        url = s.resolved_database_url
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                if url.startswith("postgresql://"):
                    url_driver = "postgresql+psycopg://" + url.removeprefix("postgresql://")
                else:
                    url_driver = url
                engine = create_engine(url_driver, pool_pre_ping=True, pool_size=10, max_overflow=10)
            _engines[url] = engine
    return engine


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def create_tables(engine: Engine, *tables: str) -> None:
    """Create the named tables (all registered ones when none are named) if missing."""
    selected = [Base.metadata.tables[t] for t in tables] if tables else None
    Base.metadata.create_all(engine, tables=selected)


@lru_cache(maxsize=64)
def _session_factory(engine: Engine) -> sessionmaker[Session]:
    # sessionmaker builds a Session subclass: creating one per transaction costs ~2 ms
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A transaction: commit on success, roll back on error."""
    factory = _session_factory(engine or get_engine())
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
