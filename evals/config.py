"""The configuration an eval run depends on, and its hash (the per-case cache key).

Everything that can change an answer goes in: model, retrieval and agent knobs, prompt
versions, collection, tenant and the planted-regression switch ``retrieval_enabled``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field

from deskpilot.prompts import prompt_versions
from deskpilot.settings import Settings, get_settings

_SETTING_PREFIXES = ("llm_", "retrieval_", "agent_", "embedding_", "triage_", "local_")
_SETTING_NAMES = ("min_support", "judge_model")


class EvalConfig(BaseModel):
    collection: str
    tenant: str
    model: str
    retrieval_enabled: bool = True
    concurrency: int = Field(default=1, ge=1, le=16)
    prompt_versions: dict[str, int] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict, description="answer-relevant settings")

    @property
    def config_hash(self) -> str:
        data = self.model_dump(exclude={"concurrency"})
        raw = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


def relevant_settings(settings: Settings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in settings.model_dump().items():
        if name.startswith(_SETTING_PREFIXES) or name in _SETTING_NAMES:
            out[name] = (
                str(value) if value is not None and not isinstance(value, int | float | bool) else value
            )
    return dict(sorted(out.items()))


def build_config(
    *,
    collection: str | None = None,
    settings: Settings | None = None,
    concurrency: int | None = None,
    retrieval_enabled: bool | None = None,
) -> EvalConfig:
    s = settings or get_settings()
    return EvalConfig(
        collection=collection or s.collection,
        tenant=s.tenant,
        model=s.llm_model,
        retrieval_enabled=s.eval_retrieval_enabled if retrieval_enabled is None else retrieval_enabled,
        concurrency=concurrency or s.eval_concurrency,
        prompt_versions=prompt_versions(),
        settings=relevant_settings(s),
    )
