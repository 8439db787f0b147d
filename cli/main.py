"""Entry point: sets the offline environment, then dispatches to the command modules.

Any :class:`~deskpilot.exceptions.UserInputError` becomes exit code 2 with a one-line
reason on stderr; other deskpilot errors exit 1.
"""

from __future__ import annotations

import sys

import typer

from deskpilot.offline import configure_offline_env

app = typer.Typer(
    name="deskpilot",
    help="LLM support assistant: ingest docs, search, ask, triage tickets, evaluate, serve.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register() -> None:
    from cli import agent_cmds, doctor, eval_cmds, retrieval_cmds, serve_cmds, triage_cmds

    for module in (retrieval_cmds, agent_cmds, doctor, serve_cmds):
        module.register(app)
    app.add_typer(triage_cmds.app, name="triage")
    app.add_typer(eval_cmds.app, name="eval")
    app.add_typer(serve_cmds.keys_app, name="keys")


def main(argv: list[str] | None = None) -> None:
    configure_offline_env()
    from agent.guard.scrub import install_log_redaction
    from deskpilot.exceptions import DeskpilotError, UserInputError

    install_log_redaction()  # CLI runs log what serve and the worker log: never a raw email or card

    _register()
    try:
        # standalone mode: Typer/Click print usage errors and exit 2 themselves
        app(args=argv, standalone_mode=True)
    except UserInputError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    except DeskpilotError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
