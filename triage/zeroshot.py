"""Zero-shot queue matching from a YAML of ``label: description``, with an optional LLM re-rank.

Each queue is embedded as ``"label: description"``; a ticket goes to the nearest queue by
cosine similarity, turned into a distribution with a fixed softmax temperature (no labeled
data, so no calibration: treat the confidence as a ranking score). With a capable LLM
configured (``settings.llm_model`` not ``local/...``), the top candidates are re-ranked by
the LLM with structured output (``prompts/triage_rerank``).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, Field

from deskpilot.exceptions import ConfigError, ModelError
from triage.calibration import softmax
from triage.schema import Candidate

log = logging.getLogger(__name__)


class RerankChoice(BaseModel):
    queue: str
    confidence: float = Field(ge=0.0, le=1.0)


def load_queues(path: Path) -> dict[str, str]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"queues file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"queues file {path} is not valid YAML") from exc
    if isinstance(raw, dict) and isinstance(raw.get("queues"), dict | list):
        raw = raw["queues"]
    if isinstance(raw, list):  # [{name|label|queue, description}]
        raw = {
            str(q.get("name") or q.get("label") or q.get("queue")): str(q.get("description", ""))
            for q in raw
            if isinstance(q, dict)
        }
    if not isinstance(raw, dict) or len(raw) < 2:
        raise ConfigError(f"queues file {path} must map at least two labels to descriptions")
    return {str(k): str(v if not isinstance(v, dict) else v.get("description", "")) for k, v in raw.items()}


class ZeroShotClassifier:
    def __init__(
        self,
        queues: dict[str, str],
        *,
        temperature: float = 0.05,
        threshold: float = 0.5,
        rerank_model: str | None = None,
        rerank_top: int = 3,
        llm_extra: dict[str, Any] | None = None,
        prompt_version: int | None = None,
    ) -> None:
        from retrieval.embedder import get_embedder

        self.queues = queues
        self.labels = list(queues)
        self.temperature = temperature
        self.threshold = threshold
        self.rerank_model = rerank_model
        self.rerank_top = rerank_top
        self.llm_extra = llm_extra or {}
        self.prompt_version = prompt_version  # of triage_rerank; None: the newest
        self._vectors = get_embedder().embed([f"{k}: {v}" for k, v in queues.items()])
        digest = hashlib.sha256(yaml.safe_dump(queues, sort_keys=True).encode()).hexdigest()[:12]
        self.model_version = f"zeroshot-{digest}" + ("+llm" if rerank_model else "")

    def proba(self, texts: list[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        from triage.embed import embed_texts

        emb = embeddings if embeddings is not None else embed_texts(texts)
        return softmax(emb @ self._vectors.T, self.temperature)

    def rerank(self, text: str, candidates: list[Candidate]) -> Candidate | None:
        if not self.rerank_model:
            return None
        return llm_rerank(
            text,
            candidates,
            self.queues,
            model=self.rerank_model,
            prompt_version=self.prompt_version,
            **self.llm_extra,
        )


def llm_rerank(
    text: str,
    candidates: list[Candidate],
    queues: dict[str, str],
    *,
    model: str | None,
    prompt_version: int | None = None,
    **llm_extra: Any,
) -> Candidate | None:
    """Ask the LLM to choose among ``candidates``; None if it failed or chose off-list."""
    if not candidates:
        return None
    from deskpilot.llm import structured
    from deskpilot.prompts import load_prompt

    listing = "\n".join(f"- {c.queue}: {queues.get(c.queue, '')}" for c in candidates)
    messages = load_prompt("triage_rerank", prompt_version).render(candidates=listing, ticket=text[:4000])
    try:
        choice, _ = structured(messages, RerankChoice, model=model, **llm_extra)
    except ModelError as exc:
        log.warning("triage re-rank failed, keeping embedding ranking: %s", exc.message)
        return None
    if choice.queue not in {c.queue for c in candidates}:
        log.warning("triage re-rank chose %r, not a candidate; ignored", choice.queue)
        return None
    return Candidate(queue=choice.queue, score=choice.confidence)
