"""RunConfig: everything that shapes an answer, as one frozen, typed, hashable value.

Built once at an entry point (CLI command, API app / request, eval runner, worker, bench) from
:class:`~deskpilot.settings.Settings` — optionally with a YAML *run configuration file* on top —
and passed down explicitly: ``AgentService.ask(..., run=...)`` hands it to the graph as LangGraph
runtime context, the nodes read it, and model calls take ``model=`` / ``fallbacks=`` / timeout
from it. Field names are the settings' names, so a YAML key, an env var ``DESKPILOT_<NAME>`` and a
field mean the same thing.

Storage-level settings (data dir, database and Qdrant URLs, embedding backend) are not here: they
say where things live, not how an answer is made, and are passed down as a ``Settings`` object.
Triage (its model files, zero-shot threshold and LLM re-rank) is built once from the settings
when the agent's dependencies are built, so it is not a per-run choice either.

``prompt_versions`` is always complete (every prompt name → the version that runs), so what a
run records is what ran; ``config_hash`` is the sha256 of the canonical JSON (the eval cache key).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from deskpilot.exceptions import PromptError, UserInputError

if TYPE_CHECKING:
    from deskpilot.settings import Settings

RetrievalMode = Literal["hybrid", "dense", "sparse"]
RerankName = Literal["none", "blend", "heading", "blend-heading"]
AbstainRule = Literal["classifier", "thresholds"]
GenerationMode = Literal["auto", "always", "never"]
AnswerScope = Literal["units", "section"]
CondenseMode = Literal["auto", "rules", "llm", "off"]


class RunConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # model
    llm_model: str
    llm_fallbacks: tuple[str, ...] = ()
    llm_temperature: float = 0.0
    llm_max_tokens: int = Field(default=384, ge=1)
    llm_timeout_s: float = Field(default=60.0, gt=0)
    llm_retries: int = Field(default=1, ge=0)
    prompt_versions: dict[str, int] = Field(default_factory=dict)
    # retrieval
    retrieval_k: int = Field(default=6, ge=1)
    retrieval_mode: RetrievalMode = "hybrid"
    retrieval_rerank: RerankName = "none"
    retrieval_dedupe: float = Field(default=0.8, gt=0)
    retrieval_spelling: bool = True
    # agent
    min_support: float = 0.55
    agent_min_lexical: float = 0.5
    agent_min_relevance: float = 0.3
    agent_min_evidence: float = 0.40
    agent_min_coverage: float = 0.34
    agent_abstain: AbstainRule = "classifier"
    agent_abstain_model: str | None = None
    agent_context_k: int = Field(default=3, ge=1)
    agent_focus_sentences: int = Field(default=3, ge=1)
    agent_max_sentences: int = Field(default=3, ge=1)
    agent_answer_scope: AnswerScope = "section"  # section (agent.readout) | units (agent.compose)
    agent_draft_max_tokens: int = Field(default=160, ge=1)
    agent_generation: GenerationMode = "auto"
    agent_extractive_lead: bool = True
    agent_company: str = "Acme Pay"
    ticket_min_evidence: float = 0.5
    ticket_min_coverage: float = 0.5
    # conversations: how a follow-up is resolved against the thread (agent.nodes.condense);
    # "auto" = rules with the local model, the condense prompt with a hosted one
    agent_condense: CondenseMode = "auto"
    agent_history_tokens: int = Field(default=600, ge=0)  # prior turns in the answer prompt
    # guard
    guard_similarity: bool = True
    guard_similarity_threshold: float = 0.36
    guard_llm_check: bool = True

    # --- building ------------------------------------------------------------------------
    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> RunConfig:
        """The run the settings describe; prompt versions not pinned run their newest file."""
        values = {name: getattr(settings, name) for name in cls.model_fields if hasattr(settings, name)}
        if values.get("agent_abstain_model") is not None:
            values["agent_abstain_model"] = str(values["agent_abstain_model"])
        values.update(overrides)
        return cls._build(values)

    @classmethod
    def from_yaml(cls, path: Path | str, base: RunConfig | Settings) -> RunConfig:
        """``base`` with the keys of a YAML run configuration file on top; unknown keys are an error."""
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise UserInputError(f"cannot read run configuration {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise UserInputError(f"run configuration {path} must be a mapping of setting: value")
        unknown = sorted(set(data) - set(cls.model_fields))
        if unknown:
            raise UserInputError(
                f"run configuration {path}: unknown keys {unknown}; known: {', '.join(sorted(cls.model_fields))}"
            )
        start = base if isinstance(base, RunConfig) else cls.from_settings(base)
        return start.with_overrides(**data)

    def with_overrides(self, **overrides: Any) -> RunConfig:
        """A copy with these fields changed (validated; ``prompt_versions`` merges by name)."""
        unknown = sorted(set(overrides) - set(type(self).model_fields))
        if unknown:
            raise UserInputError(f"unknown run configuration keys: {unknown}")
        values = self.model_dump()
        if "prompt_versions" in overrides:
            overrides = {
                **overrides,
                "prompt_versions": {**self.prompt_versions, **overrides["prompt_versions"]},
            }
        values.update(overrides)
        return type(self)._build(values)

    @classmethod
    def _build(cls, values: dict[str, Any]) -> RunConfig:
        from deskpilot.prompts import load_prompt, prompt_versions

        pinned = {str(k): int(v) for k, v in dict(values.get("prompt_versions") or {}).items()}
        newest = prompt_versions()
        unknown = sorted(set(pinned) - set(newest))
        if unknown:
            raise UserInputError(f"prompt_versions: no prompt named {unknown}; have {sorted(newest)}")
        for name, version in pinned.items():
            try:
                load_prompt(name, version)
            except PromptError as exc:  # names the versions that exist
                raise UserInputError(f"prompt_versions: {exc}") from exc
        values["prompt_versions"] = dict(sorted({**newest, **pinned}.items()))
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            raise UserInputError(f"bad run configuration: {exc}") from exc

    # --- reading -------------------------------------------------------------------------
    def prompt_version(self, name: str) -> int | None:
        return self.prompt_versions.get(name)

    def llm_kwargs(self, *, max_tokens: int | None = None) -> dict[str, Any]:
        """Keyword arguments for :mod:`deskpilot.llm` calls: the model and how to call it."""
        return {
            "model": self.llm_model,
            "fallbacks": list(self.llm_fallbacks),
            "timeout_s": self.llm_timeout_s,
            "retries": self.llm_retries,
            "max_tokens": max_tokens or self.llm_max_tokens,
            "temperature": self.llm_temperature,
        }

    @property
    def local_model(self) -> bool:
        return self.llm_model.startswith("local/")

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    @property
    def config_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    def __hash__(self) -> int:
        return hash(self.config_hash)


def build_run_config(settings: Settings, path: Path | str | None = None) -> RunConfig:
    """The entry points' run: the settings, then the run configuration file (``path``, else
    ``settings.run_config_file``) on top."""
    base = RunConfig.from_settings(settings)
    path = path or settings.run_config_file
    return RunConfig.from_yaml(path, base) if path else base
