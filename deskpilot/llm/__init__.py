"""LLM gateway: every model call in the project goes through LiteLLM.

``local/smollm2`` is a LiteLLM custom provider (see :mod:`deskpilot.llm.local`) running a
GGUF model in-process with llama.cpp; any other LiteLLM model string replaces it by
setting ``DESKPILOT_LLM_MODEL``.
"""

from deskpilot.llm.gateway import (
    LLMReply,
    achat,
    astream,
    chat,
    configure_local,
    ensure_registered,
    stream,
    structured,
)

__all__ = [
    "LLMReply",
    "achat",
    "astream",
    "chat",
    "configure_local",
    "ensure_registered",
    "stream",
    "structured",
]
