"""Ticket triage: queue, confidence, priority, sentiment, language; abstains to a human.

``get_triager()`` loads the trained model in ``settings.triage_model_dir`` (default
``$DATA_DIR/triage``) if there is one, else a zero-shot matcher over the queue
descriptions in ``settings.triage_queues_file``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from triage.schema import Candidate, TriageResult

if TYPE_CHECKING:
    from deskpilot.settings import Settings
    from triage.features import ContextFn
    from triage.triager import Triager

__all__ = ["Candidate", "TriageResult", "get_triager"]


def get_triager(
    settings: Settings | None = None,
    *,
    context_fn: ContextFn | None = None,
    llm_extra: dict[str, Any] | None = None,
) -> Triager:
    from triage.loader import build_triager

    return build_triager(settings, context_fn=context_fn, llm_extra=llm_extra)
