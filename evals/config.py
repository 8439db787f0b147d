"""The configuration an eval run depends on, and its hash (the per-case cache key).

The answer-shaping part is the run's :class:`~deskpilot.runconfig.RunConfig` (model, fallbacks,
prompt versions, retrieval, agent thresholds, guard switches): its ``config_hash`` is the core of
the key. Added to it: collection, tenant, the planted-regression switch ``retrieval_enabled`` and
the infrastructure that changes answers or scores without being a run setting (the embedding
model and backend, the local model file, the judge).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field

from deskpilot.runconfig import RunConfig, build_run_config
from deskpilot.settings import Settings

_INFRA_PREFIXES = ("embedding_", "local_")
_INFRA_NAMES = ("judge_model", "retrieval_chunk_tokens")


class EvalConfig(BaseModel):
    collection: str
    tenant: str
    model: str
    retrieval_enabled: bool = True
    concurrency: int = Field(default=1, ge=1, le=16)
    prompt_versions: dict[str, int] = Field(default_factory=dict, description="what ran: run.prompt_versions")
    run: RunConfig
    settings: dict[str, Any] = Field(default_factory=dict, description="infrastructure that changes answers")

    @property
    def config_hash(self) -> str:
        data = {
            "run": self.run.config_hash,
            "collection": self.collection,
            "tenant": self.tenant,
            "retrieval_enabled": self.retrieval_enabled,
            "settings": self.settings,
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
    return EvalConfig(
        collection=collection or settings.collection,
        tenant=settings.tenant,
        model=run.llm_model,
        retrieval_enabled=settings.eval_retrieval_enabled if retrieval_enabled is None else retrieval_enabled,
        concurrency=concurrency or settings.eval_concurrency,
        prompt_versions=dict(run.prompt_versions),
        run=run,
        settings=relevant_settings(settings),
    )
