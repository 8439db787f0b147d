"""``deskpilot ask``: run the support agent once (a thread continues with ``--thread``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from deskpilot.exceptions import UserInputError


def ask(
    question: Annotated[str, typer.Argument(help="the customer's message")],
    thread: Annotated[str | None, typer.Option("--thread", help="continue this conversation thread")] = None,
    collection: Annotated[
        str | None, typer.Option("--collection", help="knowledge base (default: settings)")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print {answer, citations, route, escalated, thread_id}")
    ] = False,
    run_file: Annotated[
        Path | None,
        typer.Option(
            "--run", help="YAML run configuration over the settings (model, prompts, k, thresholds…)"
        ),
    ] = None,
) -> None:
    """Run the agent once."""
    if not question.strip():
        raise UserInputError("question is empty")
    from agent.service import AgentService
    from deskpilot.runconfig import build_run_config
    from deskpilot.settings import get_settings

    settings = get_settings()
    if run_file is not None and not run_file.is_file():
        raise UserInputError(f"run configuration not found: {run_file}")
    with AgentService(settings, run=build_run_config(settings, run_file)) as service:
        result = service.ask(question, thread_id=thread, tenant=settings.tenant, collection=collection)
    if as_json:
        typer.echo(json.dumps(result.public(), ensure_ascii=False))
        return
    typer.echo(result.answer)
    for n, c in enumerate(result.citations, start=1):
        where = f" — {c.heading}" if c.heading else ""
        typer.echo(f"  [{n}] {c.title or c.source}{where} ({c.url or c.source})")
    status = "escalated to a human" if result.escalated else result.answer_mode
    typer.echo(f"route={result.route} ({status}) thread={result.thread_id}", err=True)


def register(app: typer.Typer) -> None:
    app.command("ask")(ask)
