"""``deskpilot triage train | predict | eval``."""

from __future__ import annotations

import typer

from deskpilot.exceptions import UserInputError

app = typer.Typer(help="Ticket triage: train, predict, eval.", no_args_is_help=True)


@app.command("train")
def train() -> None:
    """Train a triage model from CSV/JSONL."""
    raise UserInputError("triage train is not yet available")


@app.command("predict")
def predict() -> None:
    """Classify tickets."""
    raise UserInputError("triage predict is not yet available")


@app.command("eval")
def evaluate() -> None:
    """Accuracy, macro-F1, ECE, confusion."""
    raise UserInputError("triage eval is not yet available")
