"""Configuration reaches library code explicitly: no ``get_settings()`` below the entry points.

Scans the AST of every module of the packages below the entry points and fails on any call of
``get_settings``. The exceptions are entry points, each listed with why:
- ``cli/``: the CLI commands are the process entry points (they build Settings/RunConfig).
- ``deskpilot/settings.py``: defines it; ``infrastructure()`` falls back to it for the storage
  settings of a process whose entry point did not bind them (``bind_infrastructure``).
- ``api/app.py``: ``create_app`` / ``build_queue`` are the app and worker factories (entry points).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("agent", "retrieval", "triage", "evals", "api", "deskpilot", "tickets")
ENTRY_POINTS = {"cli", "deskpilot/settings.py", "api/app.py"}


def _is_entry_point(rel: str) -> bool:
    return any(rel == e or rel.startswith(e + "/") for e in ENTRY_POINTS)


def _get_settings_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            if name == "get_settings":
                lines.append(node.lineno)
    return sorted(lines)


def library_modules() -> list[Path]:
    out = []
    for package in PACKAGES:
        root = REPO / package
        if root.is_dir():
            out.extend(p for p in sorted(root.rglob("*.py")) if ".venv" not in p.parts)
    return out


def test_no_get_settings_below_entry_points() -> None:
    modules = library_modules()
    assert len(modules) > 50  # the scan really covers the packages
    offenders = []
    for path in modules:
        rel = path.relative_to(REPO).as_posix()
        if _is_entry_point(rel):
            continue
        offenders += [f"{rel}:{line}" for line in _get_settings_calls(path)]
    assert offenders == [], (
        "get_settings() below the entry points (pass Settings/RunConfig down):\n" + "\n".join(offenders)
    )


def test_the_scan_finds_a_call(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text(
        "from deskpilot import settings\nx = settings.get_settings().llm_model\ny = get_settings()\n",
        encoding="utf-8",
    )
    assert _get_settings_calls(sample) == [2, 3]


def test_entry_point_exceptions_exist_and_still_need_it() -> None:
    """Each listed exception is a real path; a stale entry would hide a new offender."""
    for entry in ENTRY_POINTS:
        assert (REPO / entry).exists(), entry
    assert _get_settings_calls(REPO / "api" / "app.py")
