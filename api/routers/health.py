"""``/healthz`` (process alive) and ``/readyz`` (model file, index, database: cheap checks)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import RuntimeDep
from api.runtime import Runtime
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness")
async def healthz() -> Health:
    return Health(status="ok")


def _model(rt: Runtime) -> str:
    s = rt.settings
    if not s.llm_model.startswith("local/"):
        return f"remote {s.llm_model}"
    from deskpilot.llm.local import default_gguf_path

    path = s.local_model_path or default_gguf_path()
    if not path.is_file():
        raise FileNotFoundError(f"model file missing: {path}")
    return str(path.name)


def _index(rt: Runtime) -> str:
    s = rt.settings
    if s.qdrant_url:
        from retrieval.index import get_client

        if not get_client().collection_exists(s.collection):
            raise LookupError(f"collection {s.collection!r} missing")
        return f"{s.qdrant_url} {s.collection}"
    from retrieval.index import stored_on_disk

    if not stored_on_disk(s.collection, s.index_backend):
        raise LookupError(f"collection {s.collection!r} not ingested yet")
    return f"{s.index_backend} {s.collection}"


def _database(rt: Runtime) -> str:
    with rt.engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return rt.engine.dialect.name


def readiness(rt: Runtime) -> Health:
    checks: dict[str, str] = {}
    ok = True
    for name, check in (("model", _model), ("index", _index), ("database", _database)):
        try:
            checks[name] = "ok: " + check(rt)
        except Exception as exc:
            ok = False
            checks[name] = f"fail: {exc}"
    return Health(status="ok" if ok else "fail", checks=checks)


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health, "description": "a dependency is missing"}},
    summary="Readiness",
)
async def readyz(rt: RuntimeDep) -> JSONResponse:
    health = await run_in_threadpool(readiness, rt)
    return JSONResponse(health.model_dump(), status_code=200 if health.status == "ok" else 503)
