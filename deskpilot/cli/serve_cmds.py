"""``deskpilot serve``, ``deskpilot worker`` and ``deskpilot keys``."""

from __future__ import annotations

import typer

from deskpilot.exceptions import UserInputError

keys_app = typer.Typer(help="API keys and webhook secrets.", no_args_is_help=True)


@keys_app.command("create")
def keys_create() -> None:
    """New API key (stored hashed) and the tenant's webhook secret, printed once."""
    raise UserInputError("keys create is not yet available")


def serve() -> None:
    """HTTP API + widget."""
    raise UserInputError("serve is not yet available")


def worker() -> None:
    """A standalone ticket worker."""
    raise UserInputError("worker is not yet available")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("worker")(worker)
