"""Choose and build the triager from settings: an explicitly configured model dir, else an
explicitly configured queues file (zero-shot), else the trained model in ``$DATA_DIR/triage``.
Explicit beats implicit: ``DESKPILOT_TRIAGE_QUEUES_FILE`` for the RHDH categories must not be
shadowed by the acme model that ``make demo`` trained into the data dir (routing accuracy 0)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from deskpilot.exceptions import ConfigError
from deskpilot.settings import LOCAL_MODEL, Settings, infrastructure
from triage.features import ContextFn
from triage.model import is_model_dir, load_model
from triage.priority import load_rules
from triage.triager import Triager
from triage.zeroshot import ZeroShotClassifier, load_queues


def default_model_dir(settings: Settings) -> Path:
    return settings.triage_model_dir or settings.data_dir / "triage"


def capable_llm(settings: Settings) -> str | None:
    """The configured LLM if it is good enough to re-rank (anything but the local model)."""
    model = settings.llm_model
    if not settings.triage_llm_rerank or model == LOCAL_MODEL or model.startswith("local/"):
        return None
    return model


def build_triager(
    settings: Settings | None = None,
    *,
    context_fn: ContextFn | None = None,
    llm_extra: dict[str, Any] | None = None,
) -> Triager:
    s = settings or infrastructure()
    rules = load_rules(s.triage_priority_rules) if s.triage_priority_rules else load_rules()
    model_dir = default_model_dir(s)
    explicit_queues = s.triage_queues_file is not None and s.triage_model_dir is None
    if is_model_dir(model_dir) and not explicit_queues:
        return Triager(load_model(model_dir), rules=rules, context_fn=context_fn)
    if s.triage_model_dir is not None:
        raise ConfigError(f"DESKPILOT_TRIAGE_MODEL_DIR={model_dir} holds no trained triage model")
    if s.triage_queues_file is not None:
        zs = ZeroShotClassifier(
            load_queues(s.triage_queues_file),
            threshold=s.triage_zero_shot_threshold,
            rerank_model=capable_llm(s),
            # how to call the model comes from the same settings (explicitly; llm_extra wins)
            llm_extra={"timeout_s": s.llm_timeout_s, "retries": s.llm_retries, **(llm_extra or {})},
            prompt_version=s.prompt_versions.get("triage_rerank"),
        )
        return Triager(zs, rules=rules)
    raise ConfigError(
        f"no triage model in {model_dir} and no queues file: run `deskpilot triage train` "
        "or set DESKPILOT_TRIAGE_QUEUES_FILE to a YAML of queue: description"
    )
