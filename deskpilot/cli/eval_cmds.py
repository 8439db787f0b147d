"""``deskpilot eval run | nightly | compare``."""

from __future__ import annotations

import typer

from deskpilot.exceptions import UserInputError

app = typer.Typer(help="Offline evaluation and the deploy gate.", no_args_is_help=True)


@app.command("run")
def run() -> None:
    """Offline eval over a golden set."""
    raise UserInputError("eval run is not yet available")


@app.command("nightly")
def nightly() -> None:
    """Dated run, recorded, trend plot."""
    raise UserInputError("eval nightly is not yet available")


@app.command("compare")
def compare() -> None:
    """Per-metric differences with paired bootstrap intervals."""
    raise UserInputError("eval compare is not yet available")
