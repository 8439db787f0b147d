"""``deskpilot ingest`` and ``deskpilot search``."""

from __future__ import annotations

import typer

from deskpilot.exceptions import UserInputError


def ingest() -> None:
    """Load md/txt/html, chunk, embed, upsert (incremental)."""
    raise UserInputError("ingest is not yet available")


def search() -> None:
    """Retrieval only."""
    raise UserInputError("search is not yet available")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("search")(search)
