"""Prompt templates stored as files in ``prompts/``.

``prompts`` is a package whose ``*.md`` files are package data, located through
``importlib.resources``, so a non-editable install (a wheel) loads its own prompts.

A prompt file is ``prompts/<name>.v<version>.md`` with a small front matter::

    ---
    name: answer
    version: 3
    description: grounded answer with [n] citations
    ---
    System text with {variables} ...
    ===user===
    User text with {question} ...

Sections are split on ``===<role>===`` lines (the text before the first marker is the
system message). Rendering uses ``str.format`` semantics with a strict mapping: a
missing variable raises :class:`PromptError` instead of rendering an empty hole.
The newest version of a name is used unless a version is asked for; every rendered
prompt carries ``name@version`` so answers and eval runs can record it.
"""

from __future__ import annotations

import importlib
import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from deskpilot.exceptions import PromptError


def _prompts_dir() -> Traversable:
    """The installed ``prompts`` package's folder. An editable install made before ``prompts/``
    became a package does not map it (re-running ``make setup`` does): then the checkout's folder,
    never a namespace package that a ``prompts/`` folder in the working directory would give."""
    try:
        package = importlib.import_module("prompts")
    except ModuleNotFoundError:
        package = None
    if package is not None and getattr(package, "__file__", None):
        return resources.files(package)
    return Path(__file__).resolve().parent.parent / "prompts"


PROMPTS_DIR: Traversable = _prompts_dir()
_FILE_RE = re.compile(r"^(?P<name>[a-z0-9_]+)\.v(?P<version>\d+)\.md$")
_SECTION_RE = re.compile(r"^===(system|user|assistant)===\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    description: str
    sections: tuple[tuple[str, str], ...]
    variables: frozenset[str] = field(default_factory=frozenset)

    @property
    def ref(self) -> str:
        return f"{self.name}@v{self.version}"

    def render(self, **values: Any) -> list[dict[str, str]]:
        """Return chat messages; raise PromptError on a missing or unexpected variable."""
        missing = self.variables - values.keys()
        if missing:
            raise PromptError(f"prompt {self.ref} is missing variables: {sorted(missing)}")
        extra = values.keys() - self.variables
        if extra:
            raise PromptError(f"prompt {self.ref} got unknown variables: {sorted(extra)}")
        return [{"role": role, "content": text.format_map(values).strip()} for role, text in self.sections]


def _variables(text: str) -> set[str]:
    names: set[str] = set()
    for _, field_name, _, _ in string.Formatter().parse(text):
        if field_name is None:
            continue
        if not field_name.isidentifier():
            raise PromptError(f"bad template field {{{field_name}}}: use plain identifiers")
        names.add(field_name)
    return names


def _prompt_files(directory: Traversable) -> list[Traversable]:
    return sorted((f for f in directory.iterdir() if _FILE_RE.match(f.name)), key=lambda f: f.name)


def parse_prompt(path: Traversable) -> Prompt:
    match = _FILE_RE.match(path.name)
    if not match:
        raise PromptError(f"prompt file name must look like name.v1.md: {path.name}")
    raw = path.read_text(encoding="utf-8")
    if not raw.startswith("---\n"):
        raise PromptError(f"{path.name}: missing front matter")
    _, front, body = raw.split("---\n", 2)
    meta = yaml.safe_load(front) or {}
    if meta.get("name") != match["name"] or int(meta.get("version", -1)) != int(match["version"]):
        raise PromptError(f"{path.name}: front matter name/version disagree with the file name")
    parts = _SECTION_RE.split(body)
    sections: list[tuple[str, str]] = []
    if parts[0].strip():
        sections.append(("system", parts[0]))
    for role, text in zip(parts[1::2], parts[2::2], strict=True):
        sections.append((role, text))
    variables: set[str] = set()
    for _, text in sections:
        variables |= _variables(text)
    return Prompt(
        name=match["name"],
        version=int(match["version"]),
        description=str(meta.get("description", "")),
        sections=tuple(sections),
        variables=frozenset(variables),
    )


def load_prompt(name: str, version: int | None = None, directory: Traversable | None = None) -> Prompt:
    """``name`` at ``version`` (newest when None) from ``directory`` (default :data:`PROMPTS_DIR`,
    read at call time)."""
    folder: Any = directory if directory is not None else PROMPTS_DIR  # a Path or resources folder: hashable
    return _load_prompt(name, version, folder)


@lru_cache(maxsize=64)
def _load_prompt(name: str, version: int | None, directory: Traversable) -> Prompt:
    candidates: dict[int, Traversable] = {}
    for path in _prompt_files(directory):
        m = _FILE_RE.match(path.name)
        if m and m["name"] == name:
            candidates[int(m["version"])] = path
    if not candidates:
        raise PromptError(f"no prompt named {name!r} in {directory}")
    chosen = version if version is not None else max(candidates)
    if chosen not in candidates:
        raise PromptError(f"prompt {name!r} has no version {chosen}; have {sorted(candidates)}")
    return parse_prompt(candidates[chosen])


def prompt_versions(directory: Traversable | None = None) -> dict[str, int]:
    """Newest version of every prompt (a run configuration pins from these)."""
    out: dict[str, int] = {}
    for path in _prompt_files(directory if directory is not None else PROMPTS_DIR):
        m = _FILE_RE.match(path.name)
        if m:
            out[m["name"]] = max(out.get(m["name"], 0), int(m["version"]))
    return dict(sorted(out.items()))
