"""The configuration an eval run depends on, and its hash (the per-case cache key).

The answer-shaping part is the run's :class:`~deskpilot.runconfig.RunConfig` (model, fallbacks,
prompt versions, retrieval, agent thresholds, guard switches): its ``config_hash`` is the core of
the key. Added to it: collection, tenant, the planted-regression switch ``retrieval_enabled`` and
the infrastructure that changes answers or scores without being a run setting (the embedding
model and backend, the local model file, the judge), and three fingerprints, because a run dir
is reused (``make eval`` writes to one fixed dir) and a cached answer must not outlive what made
it: the code (first-party sources and package data), the knowledge base (the collection's
document manifest) and the triage model and queue list. Without them a code change re-gated the
answers of the code before it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from deskpilot.runconfig import RunConfig, build_run_config
from deskpilot.settings import Settings

_INFRA_PREFIXES = ("embedding_", "local_")
_INFRA_NAMES = ("judge_model", "retrieval_chunk_tokens")
PACKAGES = ("agent", "retrieval", "triage", "deskpilot", "prompts", "evals")  # what answers and scores
LIBRARIES = ("torch", "transformers", "sentence-transformers", "llama-cpp-python", "qdrant-client",
             "qdrant-edge-py", "litellm", "langgraph", "ragas", "scikit-learn", "numpy")  # fmt: skip
_SOURCE_SUFFIXES = {".py", ".json", ".yaml", ".yml", ".md", ".txt", ".j2", ".csv"}
_SKIP_DIRS = {"__pycache__", "gates", "audits"}  # gate thresholds and labels do not change an answer


class EvalConfig(BaseModel):
    collection: str
    tenant: str
    model: str
    retrieval_enabled: bool = True
    concurrency: int = Field(default=1, ge=1, le=16)
    prompt_versions: dict[str, int] = Field(default_factory=dict, description="what ran: run.prompt_versions")
    run: RunConfig
    settings: dict[str, Any] = Field(default_factory=dict, description="infrastructure that changes answers")
    fingerprints: dict[str, str] = Field(
        default_factory=dict, description="code / knowledge base / triage model the answers came from"
    )

    @property
    def config_hash(self) -> str:
        data = {
            "run": self.run.config_hash,
            "collection": self.collection,
            "tenant": self.tenant,
            "retrieval_enabled": self.retrieval_enabled,
            "settings": self.settings,
            "fingerprints": self.fingerprints,
        }
        raw = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


def relevant_settings(settings: Settings) -> dict[str, Any]:
    """The infrastructure settings that change answers or scores (not part of the run)."""
    out: dict[str, Any] = {}
    for name, value in settings.model_dump().items():
        if name.startswith(_INFRA_PREFIXES) or name in _INFRA_NAMES:
            out[name] = (
                str(value) if value is not None and not isinstance(value, int | float | bool) else value
            )
    return dict(sorted(out.items()))


def _digest(parts: list[tuple[str, bytes]]) -> str:
    h = hashlib.sha256()
    for name, data in sorted(parts):
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()[:16]


def code_fingerprint(roots: list[Path] | None = None) -> str:
    """A digest of the first-party source files and package data (``PACKAGES`` by default) and
    of the versions of the libraries that shape an answer (``LIBRARIES``)."""
    parts: list[tuple[str, bytes]] = []
    if roots is None:
        roots = []
        for name in PACKAGES:
            root = importlib.resources.files(name)
            if not isinstance(root, Path):  # a namespace package would be skipped silently
                raise RuntimeError(f"cannot fingerprint package {name!r}: {root!r} is not a folder")
            roots.append(root)
        for lib in LIBRARIES:
            try:
                parts.append((f"lib:{lib}", importlib.metadata.version(lib).encode()))
            except importlib.metadata.PackageNotFoundError:
                parts.append((f"lib:{lib}", b"-"))
    for root in roots:
        for path in root.rglob("*"):
            skip = _SKIP_DIRS.intersection(path.relative_to(root).parts)
            if path.suffix in _SOURCE_SUFFIXES and not skip and path.is_file():
                parts.append((f"{root.name}/{path.relative_to(root).as_posix()}", path.read_bytes()))
    return _digest(parts)


def triage_fingerprint(settings: Settings) -> str:
    """A digest of the trained triage model's version file and the queue list, "" when neither."""
    from triage.loader import default_model_dir

    files = {"model": default_model_dir(settings) / "version.json", "queues": settings.triage_queues_file}
    parts = [(k, f.read_bytes()) for k, f in files.items() if f is not None and f.is_file()]
    return _digest(parts) if parts else ""


def kb_fingerprint(collection: str, tenant: str) -> str:
    """The collection's document manifest digest (``retrieval.index.content_version``); "" when
    the collection cannot be read (a run against a missing one fails per case anyway)."""
    from retrieval import index

    try:
        return index.content_version(collection, tenant)[1]
    except Exception:  # no index yet, or another process holds the embedded one
        return ""


def build_config(
    settings: Settings,
    *,
    run: RunConfig | None = None,
    collection: str | None = None,
    concurrency: int | None = None,
    retrieval_enabled: bool | None = None,
) -> EvalConfig:
    """The eval configuration for ``settings`` (from the entry point) and ``run`` (default: the
    settings' run, with ``settings.run_config_file`` on top)."""
    run = run or build_run_config(settings)
    collection = collection or settings.collection
    return EvalConfig(
        collection=collection,
        tenant=settings.tenant,
        model=run.llm_model,
        retrieval_enabled=settings.eval_retrieval_enabled if retrieval_enabled is None else retrieval_enabled,
        concurrency=concurrency or settings.eval_concurrency,
        prompt_versions=dict(run.prompt_versions),
        run=run,
        settings=relevant_settings(settings),
        fingerprints={
            "code": code_fingerprint(),
            "kb": kb_fingerprint(collection, settings.tenant),
            "triage": triage_fingerprint(settings),
        },
    )
