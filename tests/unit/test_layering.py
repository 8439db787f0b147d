"""Imports point one way: cli → {api, evals} → tickets → agent → triage → retrieval → core → prompts.

Every import statement of every first-party module counts, including imports inside functions
(the code base imports heavy parts lazily) and under ``TYPE_CHECKING``. ``cli`` (the console
script's commands) is the top layer, outside the core package. ``triage`` sits above ``retrieval``: it embeds
tickets with the shared embedder; retrieval never imports triage. ``prompts`` holds data only.
"""

from __future__ import annotations

import ast
import tomllib
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# higher imports lower; a package imports itself freely; same rank, different packages: never
RANK = {
    "cli": 7,
    "api": 6,
    "evals": 6,
    "tickets": 5,
    "agent": 4,
    "triage": 3,
    "retrieval": 2,
    "deskpilot": 1,  # the core
    "prompts": 0,
}
# mypy --strict's per-module flags, and the value each takes under --strict
STRICT_FLAGS = {
    "disallow_any_generics": True,
    "disallow_subclassing_any": True,
    "disallow_untyped_calls": True,
    "disallow_untyped_defs": True,
    "disallow_incomplete_defs": True,
    "disallow_untyped_decorators": True,
    "warn_return_any": True,
    "implicit_reexport": False,
    "strict_equality": True,
}
# (importer, imported) pairs that break the direction today, each with the issue that removes it.
# Empty: every current import points down. Add an entry only with a reason and an issue.
ALLOWED: set[tuple[str, str]] = set()


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[0] if parts[0] in RANK else None


def module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def imported(module: str, path: Path, tree: ast.AST) -> list[tuple[str, int]]:
    """Absolute names of the modules this file imports, with line numbers."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            out.append((target, node.lineno))
    return out


@lru_cache(maxsize=1)
def import_edges() -> tuple[tuple[str, str, int], ...]:
    """(importer, imported, line) for every first-party import between two layers."""
    edges: list[tuple[str, str, int]] = []
    for top in RANK:
        root = REPO / top
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*.py")):
            module = module_name(path)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for target, line in imported(module, path, tree):
                if layer(target) is not None:
                    edges.append((module, target, line))
    return tuple(edges)


def violations() -> list[str]:
    out = []
    for module, target, line in import_edges():
        src, dst = layer(module), layer(target)
        assert src is not None and dst is not None
        if src == dst or (module, target) in ALLOWED:
            continue
        if RANK[dst] >= RANK[src]:
            out.append(f"{module} (line {line}) imports {target}: {src} may not import {dst}")
    return out


def test_imports_point_down_the_layers() -> None:
    assert violations() == []


def test_the_scan_sees_the_real_import_graph() -> None:
    """Guards the test itself: lazy imports inside functions and relative imports are found."""
    edges = {(m, t) for m, t, _ in import_edges()}
    assert ("agent.context", "retrieval.embedder") in edges  # imported inside default_deps()
    assert ("agent.context", "agent.tools.seed") in edges
    layers = {(layer(m), layer(t)) for m, t, _ in import_edges()}
    assert {("cli", "api"), ("api", "agent"), ("agent", "retrieval"), ("retrieval", "deskpilot")} <= layers


def test_a_core_module_importing_upwards_is_caught() -> None:
    source = "def f():\n    from agent.service import AgentService\n    from .settings import get_settings\n"
    tree = ast.parse(source)
    found = imported("deskpilot.fake", REPO / "deskpilot" / "fake.py", tree)
    assert found == [("agent.service", 2), ("deskpilot.settings", 3)]
    assert RANK[layer("agent.service") or ""] > RANK[layer("deskpilot.fake") or ""]


def test_allow_list_holds_only_live_violations() -> None:
    edges = {(m, t) for m, t, _ in import_edges()}
    assert edges >= ALLOWED, f"fixed, remove from ALLOWED: {sorted(ALLOWED - edges)}"


def test_every_core_module_is_type_checked_strictly() -> None:
    """The core (deskpilot) is listed in the strict mypy override of pyproject.toml."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    strict: set[str] = set()
    for override in config["tool"]["mypy"].get("overrides", []):
        if all(override.get(flag) is value for flag, value in STRICT_FLAGS.items()):
            modules = override["module"]
            strict |= {modules} if isinstance(modules, str) else set(modules)

    def covered(module: str) -> bool:
        parts = module.split(".")
        return module in strict or any(".".join(parts[:i]) + ".*" in strict for i in range(1, len(parts)))

    core = [
        module_name(p)
        for p in sorted((REPO / "deskpilot").rglob("*.py"))
        if layer(module_name(p)) == "deskpilot"
    ]
    assert core and [m for m in core if not covered(m)] == []
    assert all(covered(module_name(p)) for p in (REPO / "agent" / "tools").rglob("*.py"))
