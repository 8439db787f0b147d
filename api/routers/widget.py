"""``GET /widget`` (the support agents' page) and ``GET /widget.js`` (embed with one script tag)."""

from __future__ import annotations

from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

router = APIRouter(tags=["widget"], include_in_schema=False)


def _static(name: str) -> str:
    return files("api").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/widget", response_class=HTMLResponse)
async def widget_page() -> HTMLResponse:
    return HTMLResponse(_static("widget.html"), headers={"Cache-Control": "no-cache"})


@router.get("/widget.js")
async def widget_embed() -> Response:
    return Response(_static("embed.js"), media_type="text/javascript", headers={"Cache-Control": "no-cache"})
