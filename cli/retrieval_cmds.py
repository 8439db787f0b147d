"""``deskpilot ingest`` and ``deskpilot search``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from deskpilot.exceptions import UserInputError

MODE_HELP = "hybrid | dense | sparse"


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="files or folders (md, txt, html)")],
    collection: Annotated[
        str | None, typer.Option(help="knowledge base; default DESKPILOT_COLLECTION")
    ] = None,
    tenant: Annotated[str | None, typer.Option(help="tenant; default DESKPILOT_TENANT")] = None,
    warm: Annotated[
        bool,
        typer.Option(help="also embed every passage's sentences for the grounding check (vector cache)"),
    ] = True,
) -> None:
    """Load md/txt/html, chunk, embed, upsert (incremental)."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UserInputError(f"path does not exist: {', '.join(missing)}")
    from deskpilot.settings import get_settings
    from retrieval.ingest import ingest_paths

    summary = ingest_paths(paths, collection=collection, tenant=tenant)
    typer.echo(summary.line())
    settings = get_settings()
    if warm and settings.vector_cache:
        from agent.warm import warm_collection

        warmed = warm_collection(settings, collection or settings.collection, tenant or settings.tenant)
        typer.echo(warmed.line())


def _hit_json(hit: Any) -> dict[str, Any]:
    return hit.model_dump(
        include={"id", "source", "title", "heading", "text", "score", "url", "chunk_index", "also_in"}
    )


def _read_queries(path: Path) -> list[tuple[str, str]]:
    if not path.is_file():
        raise UserInputError(f"queries file does not exist: {path}")
    out: list[tuple[str, str]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserInputError(f"{path}:{n}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise UserInputError(f"{path}:{n}: expected a JSON object")
        text = row.get("question") or row.get("query")
        if not isinstance(text, str) or not text.strip():
            raise UserInputError(f"{path}:{n}: needs a non-empty 'question' or 'query'")
        out.append((str(row.get("id", n)), text))
    return out


def search(
    query: Annotated[str | None, typer.Argument(help="the query (omit with --queries)")] = None,
    queries: Annotated[
        Path | None, typer.Option("--queries", help="JSONL with id and question|query")
    ] = None,
    collection: Annotated[
        str | None, typer.Option(help="knowledge base; default DESKPILOT_COLLECTION")
    ] = None,
    tenant: Annotated[str | None, typer.Option(help="tenant; default DESKPILOT_TENANT")] = None,
    k: Annotated[int, typer.Option("--k", help="results per query")] = 10,
    mode: Annotated[str, typer.Option(help=MODE_HELP)] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Retrieval only: one query, or a batch with --queries."""
    if queries is None and (query is None or not query.strip()):
        raise UserInputError("empty query: give QUERY or --queries FILE.jsonl")
    if queries is not None and query is not None:
        raise UserInputError("give either QUERY or --queries, not both")
    from deskpilot.runconfig import build_run_config
    from deskpilot.settings import get_settings
    from retrieval.search import search

    run = build_run_config(get_settings())

    def run_search(text: str, **kwargs: Any) -> Any:
        return search(
            text,
            reranker=run.retrieval_rerank,
            dedupe=run.retrieval_dedupe,
            spelling=run.retrieval_spelling,
            **kwargs,
        )

    if queries is not None:
        for qid, text in _read_queries(queries):
            hits = run_search(text, collection=collection, tenant=tenant, k=k, mode=mode)
            typer.echo(json.dumps({"id": qid, "results": [_hit_json(h) for h in hits]}, ensure_ascii=False))
        return
    assert query is not None
    hits = run_search(query, collection=collection, tenant=tenant, k=k, mode=mode)
    if as_json:
        typer.echo(json.dumps([_hit_json(h) for h in hits], ensure_ascii=False, indent=2))
        return
    if not hits:
        typer.echo("no results")
    for rank, hit in enumerate(hits, start=1):
        where = f"{hit.source}" + (f" § {hit.heading}" if hit.heading else "")
        snippet = " ".join(hit.text.split())[:160]
        typer.echo(f"{rank:>2}. {hit.score:.4f}  {where}\n    {snippet}")
        if hit.also_in:
            typer.echo(f"    also in: {', '.join(hit.also_in)}")


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("search")(search)
