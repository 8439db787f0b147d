"""One-off data migrations for databases created by earlier versions; run at every start.

``redact-at-rest-v1`` (issue 15): the API used to keep its own raw transcript
(``api_messages``), raw thread titles, ticket subjects/bodies, customer emails, feedback
text and error messages. The step

- drops the foreign key ``api_feedback.message_id → api_messages.id`` (feedback now points
  at checkpoint message ids): ``ALTER TABLE ... DROP CONSTRAINT`` on PostgreSQL, a table
  rebuild on SQLite (which cannot drop a constraint);
- redacts every stored free text in place and clears ``api_tickets.customer_email``;
- leaves ``api_messages`` (redacted, no longer read or written) for the operator to drop.

Applied steps are recorded in ``api_migrations``; a fresh database gets the new schema from
``create_tables`` and the step only records itself. Nothing is dropped that holds data.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, column, inspect, select, table, text, update
from sqlalchemy.exc import IntegrityError

from agent.guard.scrub import scrub, scrub_pair
from api.tables import Feedback, Migration
from deskpilot.db import create_tables, session_scope

log = logging.getLogger(__name__)
STEP = "redact-at-rest-v1"
FEEDBACK_COLUMNS = (
    "id",
    "tenant",
    "thread_id",
    "message_id",
    "rating",
    "comment",
    "corrected_answer",
    "created_at",
)


def migrate(engine: Engine) -> bool:
    """Apply the pending steps; True when something was applied."""
    create_tables(engine, "api_migrations")
    with session_scope(engine) as s:
        if s.get(Migration, STEP) is not None:
            return False
    with engine.begin() as conn:
        _drop_feedback_fk(conn)
        _scrub(conn)
    try:
        with session_scope(engine) as s:
            s.add(Migration(name=STEP))
    except IntegrityError:  # another process applied it at the same time (both are idempotent)
        pass
    log.info("database migration %s applied", STEP)
    return True


def _drop_feedback_fk(conn: Connection) -> None:
    insp = inspect(conn)
    if not insp.has_table("api_feedback"):
        return
    fks = [fk for fk in insp.get_foreign_keys("api_feedback") if fk.get("referred_table") == "api_messages"]
    if not fks:
        return
    if conn.dialect.name != "sqlite":
        for fk in fks:
            conn.execute(text(f'ALTER TABLE api_feedback DROP CONSTRAINT "{fk["name"]}"'))
        return
    conn.execute(text("ALTER TABLE api_feedback RENAME TO api_feedback_legacy"))
    for index in inspect(conn).get_indexes("api_feedback_legacy"):
        conn.execute(text(f'DROP INDEX "{index["name"]}"'))
    Feedback.__table__.create(conn)  # type: ignore[attr-defined]
    cols = ", ".join(FEEDBACK_COLUMNS)
    picked = cols.replace("created_at", "COALESCE(created_at, CURRENT_TIMESTAMP)")
    conn.execute(text(f"INSERT INTO api_feedback ({cols}) SELECT {picked} FROM api_feedback_legacy"))
    conn.execute(text("DROP TABLE api_feedback_legacy"))


def _redact_column(conn: Connection, name: str, key: str, *cols: str) -> None:
    t = table(name, column(key), *(column(c) for c in cols))
    for row in conn.execute(select(t)).all():
        values = {c: scrub(getattr(row, c)) for c in cols}
        if any(values[c] != getattr(row, c) for c in cols):
            conn.execute(update(t).where(t.c[key] == getattr(row, key)).values(**values))


def _scrub(conn: Connection) -> None:
    insp = inspect(conn)
    if insp.has_table("api_threads"):
        _redact_column(conn, "api_threads", "id", "title")
    if insp.has_table("api_messages"):
        _redact_column(conn, "api_messages", "id", "content")
    if insp.has_table("api_feedback"):
        _redact_column(conn, "api_feedback", "id", "comment", "corrected_answer")
    if insp.has_table("api_tickets"):
        t = table("api_tickets", column("id"), column("subject"), column("body"), column("customer_email"))
        for row in conn.execute(select(t)).all():
            subject, body = scrub_pair(row.subject or "", row.body or "")
            if (subject, body) != (row.subject, row.body) or row.customer_email is not None:
                conn.execute(
                    update(t).where(t.c.id == row.id).values(subject=subject, body=body, customer_email=None)
                )
        _redact_column(conn, "api_tickets", "id", "error")
