"""What the API writes or logs passes through here first: no raw PII at rest or in logs.

The transcript itself is the agent's checkpoint (already redacted by the guard); these helpers
cover everything else the service keeps: thread titles, ticket subject/body, feedback text,
error messages, and every log record emitted in the process.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from agent.guard import redact

# joins subject and body so one redaction numbers their placeholders consistently; it matches
# none of the PII patterns, so no value can run across it
_SEP = "\n\u2063\n"


def scrub(text: str | None) -> str | None:
    """``text`` with every card number, IBAN, secret, email and phone number replaced."""
    if text is None or text == "":
        return text
    return redact(text).text


def scrub_pair(subject: str, body: str) -> tuple[str, str]:
    """Subject and body redacted together: ``[EMAIL_1]`` means the same address in both."""
    if _SEP in subject or _SEP in body:
        return redact(subject).text, redact(body).text
    joined = redact(f"{subject}{_SEP}{body}").text
    head, sep, tail = joined.partition(_SEP)
    if not sep:  # cannot happen (the separator matches no pattern); never store raw text anyway
        return redact(subject).text, redact(body).text
    return head, tail


class RedactingRecords:
    """A log record factory that redacts the formatted message and any traceback text.

    A record factory (not a handler filter) so every handler sees the redacted record,
    including ones added later (pytest's caplog, uvicorn's, a log shipper's).
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.inner(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for logging to report
            return record
        record.msg, record.args = redact(message).text, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info)).text
        return record


_install_lock = threading.Lock()


def install_log_redaction() -> None:
    """Wrap the process's log record factory once (idempotent)."""
    with _install_lock:
        current = logging.getLogRecordFactory()
        if not isinstance(current, RedactingRecords):
            logging.setLogRecordFactory(RedactingRecords(current))
