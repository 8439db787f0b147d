"""``deskpilot doctor``: one line per check, exit 1 if any fails."""

from __future__ import annotations

import time
from collections.abc import Callable

import typer


def _check_model_file() -> str:
    from deskpilot.llm.local import default_gguf_path
    from deskpilot.settings import get_settings

    path = get_settings().local_model_path or default_gguf_path()
    if not path.is_file():
        raise FileNotFoundError(path)
    return f"{path} ({path.stat().st_size / 1e6:.0f} MB)"


def _check_llama() -> str:
    import llama_cpp

    return f"llama-cpp-python {llama_cpp.__version__}"


def _check_llm_reply() -> str:
    from deskpilot.llm import chat, configure_local
    from deskpilot.runconfig import build_run_config
    from deskpilot.settings import get_settings

    configure_local(get_settings())
    run = build_run_config(get_settings())
    start = time.perf_counter()
    reply = chat([{"role": "user", "content": "Say OK."}], **run.llm_kwargs(max_tokens=4))
    return f"{run.llm_model} answered {reply.text.strip()[:20]!r} in {time.perf_counter() - start:.1f}s"


def _check_embedder() -> str:
    from retrieval.embedder import get_embedder

    emb = get_embedder()
    vec = emb.embed(["doctor check"])
    return f"{emb.name} dim={len(vec[0])}"


def _check_data_dir() -> str:
    from deskpilot.settings import get_settings

    d = get_settings().ensure_data_dir()
    probe = d / ".write-probe"
    probe.write_text("ok")
    probe.unlink()
    return f"{d.resolve()} writable"


def _check_database() -> str:
    from sqlalchemy import text

    from deskpilot.db import get_engine

    engine = get_engine()
    with engine.connect() as conn:
        conn.execute(text("select 1"))
    return f"{engine.url.render_as_string(hide_password=True)} reachable"


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("model file", _check_model_file),
    ("llama.cpp", _check_llama),
    ("llm reply", _check_llm_reply),
    ("embedder", _check_embedder),
    ("data dir", _check_data_dir),
    ("database", _check_database),
]


def doctor() -> None:
    """Check model file, llama.cpp, embedder, data dir and database."""
    failed = 0
    for name, check in CHECKS:
        try:
            detail = check()
            typer.echo(f"ok    {name:<11} {detail}")
        except Exception as exc:
            failed += 1
            reason = (str(exc).strip().splitlines() or [""])[0][:200]
            typer.echo(f"FAIL  {name:<11} {type(exc).__name__}: {reason}")
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
