"""``deskpilot serve``, ``deskpilot worker`` and ``deskpilot keys``."""

from __future__ import annotations

import json

import typer

keys_app = typer.Typer(help="API keys and webhook secrets.", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    tenant: str = typer.Option(..., "--tenant", help="tenant the key belongs to (created if new)"),
    as_json: bool = typer.Option(False, "--json", help="print {tenant, api_key, webhook_secret}"),
    demo: bool = typer.Option(False, "--demo", help="print a friendly line with the widget URL"),
) -> None:
    """New API key (stored hashed) and the tenant's webhook secret, printed once."""
    from api.auth import create_key
    from api.tables import TABLES
    from deskpilot.db import create_tables, get_engine
    from deskpilot.settings import get_settings

    s = get_settings()
    engine = get_engine(settings=s)
    create_tables(engine, *TABLES)
    created = create_key(engine, tenant)
    if as_json:
        typer.echo(json.dumps(created.model_dump()))
    elif demo:
        typer.echo(f"\n  Widget:  http://{s.host}:{s.port}/widget#key={created.api_key}")
        typer.echo(f"  API key: {created.api_key}   (tenant {created.tenant})")
        typer.echo(
            f"  Webhook: POST /v1/webhooks/{created.tenant}/tickets  secret {created.webhook_secret}\n"
        )
    else:
        typer.echo(f"tenant:         {created.tenant}")
        typer.echo(f"api_key:        {created.api_key}")
        typer.echo(f"webhook_secret: {created.webhook_secret}")
        typer.echo("The API key is shown only now; store it safely.")


@keys_app.command("rotate-secret")
def keys_rotate_secret(
    tenant: str = typer.Option(..., "--tenant"),
    retire_old: bool = typer.Option(False, "--retire-old", help="deactivate the previous secrets now"),
) -> None:
    """Add a new webhook secret; old ones stay valid until retired (sign with both meanwhile)."""
    from api.auth import rotate_secret
    from api.tables import TABLES
    from deskpilot.db import create_tables, get_engine

    engine = get_engine()
    create_tables(engine, *TABLES)
    typer.echo(rotate_secret(engine, tenant, retire_old=retire_old))


@keys_app.command("callback")
def keys_callback(
    tenant: str = typer.Option(..., "--tenant"),
    url: str = typer.Option("", "--url", help="POST target on ticket completion; empty clears it"),
) -> None:
    """Set the tenant's signed completion callback; prints the callback signing secret."""
    from api.auth import set_callback
    from api.tables import TABLES
    from deskpilot.db import create_tables, get_engine
    from deskpilot.exceptions import UserInputError

    if url and not url.startswith(("http://", "https://")):
        raise UserInputError("--url must start with http:// or https://")
    engine = get_engine()
    create_tables(engine, *TABLES)
    typer.echo(set_callback(engine, tenant, url or None) or "callback cleared")


def serve(
    host: str = typer.Option(None, "--host", help="default: settings.host (127.0.0.1)"),
    port: int = typer.Option(None, "--port", help="default: settings.port (8000)"),
    workers: int = typer.Option(1, "--queue-workers", help="in-process ticket worker threads"),
) -> None:
    """HTTP API + widget."""
    import uvicorn

    from api.app import create_app
    from deskpilot.settings import get_settings

    s = get_settings()
    host, port = host or s.host, port or s.port
    typer.echo(f"deskpilot on http://{host}:{port}  (widget: /widget, docs: /docs)", err=True)
    uvicorn.run(create_app(s, workers=workers), host=host, port=port, log_level="info")


def worker(
    workers: int = typer.Option(1, "--workers", help="worker threads in this process"),
) -> None:
    """A standalone ticket worker (queue_backend=redis for several machines)."""
    from api.app import build_queue

    queue = build_queue()
    recovered = queue.recover()
    typer.echo(f"deskpilot worker: re-enqueued {recovered} unfinished ticket(s)", err=True)
    typer.echo(f"deskpilot worker: {workers} thread(s) on the {queue.settings.queue_backend} queue", err=True)
    queue.consumer(workers, in_thread=False).run()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("worker")(worker)
