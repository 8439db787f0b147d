"""Process environment for running with no network.

Entry points (CLI, API app factory, test conftest) call :func:`configure_offline_env`
once, before litellm, ragas, transformers or huggingface_hub are imported. Existing
values are respected so a deployment can override any of them.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path


def _litellm_tokenizer_dir() -> str | None:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"
    return str(path) if path.is_dir() else None


def configure_offline_env() -> None:
    defaults = {
        # litellm otherwise fetches the model cost map on import (~4 s blocked offline)
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_TELEMETRY": "False",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "RAGAS_DO_NOT_TRACK": "true",
        "TOKENIZERS_PARALLELISM": "false",
        "ANONYMIZED_TELEMETRY": "False",
        # llama.cpp's OpenMP threads spin while waiting; on shared cores that starves them (3-4x slower)
        "OMP_WAIT_POLICY": "PASSIVE",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    if "TIKTOKEN_CACHE_DIR" not in os.environ:
        tok = _litellm_tokenizer_dir()
        if tok:
            os.environ["TIKTOKEN_CACHE_DIR"] = tok
