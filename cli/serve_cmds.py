"""``deskpilot serve``, ``deskpilot worker`` and ``deskpilot keys``."""

from __future__ import annotations

import json
from typing import Any

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
    """HTTP API + widget (+ the nightly eval when eval_nightly_cron is set and the worker runs in-process)."""
    import uvicorn

    from api.app import create_app
    from deskpilot.settings import get_settings

    s = get_settings()
    host, port = host or s.host, port or s.port
    app = create_app(s, workers=workers)
    rt = app.state.runtime
    if s.eval_nightly_cron and not s.run_worker_in_process:
        typer.echo(
            "note: eval_nightly_cron is set but run_worker_in_process is off: run `deskpilot worker`",
            err=True,
        )
    elif s.eval_nightly_cron:
        _schedule_nightly(rt.queue, s, rt.telemetry)
    typer.echo(f"deskpilot on http://{host}:{port}  (widget: /widget, docs: /docs)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="info")


def _schedule_nightly(queue: Any, settings: Any, telemetry: Any) -> None:
    from evals.schedule import schedule_nightly

    job = schedule_nightly(queue, settings, telemetry)
    if job is not None:
        typer.echo(
            f"deskpilot: nightly eval at {settings.eval_nightly_cron!r} (UTC) on {job.dataset}"
            f" (gate: {job.gate_file or 'none'})",
            err=True,
        )


def worker(
    workers: int = typer.Option(1, "--workers", help="worker threads in this process"),
    metrics_port: int = typer.Option(
        None,
        "--metrics-port",
        help="Prometheus /metrics on this port (default: settings.worker_metrics_port; 0 = off)",
    ),
) -> None:
    """A standalone ticket worker (queue_backend=redis for several machines); runs the nightly eval
    when eval_nightly_cron is set (give it 2+ workers so tickets keep flowing during a run)."""
    from api.app import build_queue
    from api.telemetry import Telemetry

    queue = build_queue()
    s = queue.settings
    telemetry = queue.telemetry if isinstance(queue.telemetry, Telemetry) else Telemetry()
    _schedule_nightly(queue, s, telemetry)
    port = s.worker_metrics_port if metrics_port is None else metrics_port
    if port:
        from prometheus_client import start_http_server

        start_http_server(port, addr=s.host, registry=telemetry.registry)
        typer.echo(f"deskpilot worker: metrics on http://{s.host}:{port}/metrics", err=True)
    recovered = queue.recover()
    typer.echo(f"deskpilot worker: re-enqueued {recovered} unfinished ticket(s)", err=True)
    typer.echo(f"deskpilot worker: {workers} thread(s) on the {s.queue_backend} queue", err=True)
    queue.consumer(workers, in_thread=False).run()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.command("worker")(worker)
