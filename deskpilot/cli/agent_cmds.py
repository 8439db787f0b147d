"""``deskpilot ask``."""

from __future__ import annotations

import typer

from deskpilot.exceptions import UserInputError


def ask() -> None:
    """Run the agent once."""
    raise UserInputError("ask is not yet available")


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
