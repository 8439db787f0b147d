"""The text a ticket is searched and drafted on: subject and body, without the greeting and
sign-off lines that carry no question ("Hi team,", "Thanks, Dana") and only dilute retrieval."""

from __future__ import annotations

import re

_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|good (morning|afternoon|evening)|greetings|hallo|bonjour|hola)\b[^.!?,\n]{0,30}[,!:.]?\s*$",
    re.I,
)
_LEADING_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear)\b( (there|team|all|support|acme( pay)?( support)?))?\s*[,!]\s*", re.I
)
_SIGN_OFF = re.compile(
    r"^\s*(thanks?( you)?( so much| in advance| again)?|thx|cheers|best( regards)?|kind regards|regards|"
    r"sincerely|many thanks|br|ty)\b[^.!?\n]{0,40}[,!.]?\s*$",
    re.I,
)
_NAME_LINE = re.compile(r"^\s*[-–—]*\s*[A-Z][\w.'-]*( [A-Z][\w.'-]*){0,3}\s*$|^\s*\[[A-Z_]+_\d+\]\s*$")


def ticket_question(subject: str, body: str) -> str:
    """``subject`` then ``body`` (one paragraph per line), greeting and sign-off lines removed."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    while lines and _GREETING.match(lines[0]):
        lines.pop(0)
    if lines:
        lines[0] = _LEADING_GREETING.sub("", lines[0])
    cut = next((i for i, line in enumerate(lines) if i > 0 and _SIGN_OFF.match(line)), None)
    if cut is not None and all(_NAME_LINE.match(rest) or _SIGN_OFF.match(rest) for rest in lines[cut + 1 :]):
        lines = lines[:cut]
    subject = subject.strip()
    parts = ([subject] if subject else []) + [line for line in lines if line]
    return "\n".join(parts).strip() or f"{subject}\n{body}".strip()
