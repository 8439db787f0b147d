"""Score a trained model on labeled tickets (used by ``triage eval`` and the benchmark)."""

from __future__ import annotations

import numpy as np

from triage.metrics import classification_report
from triage.model import TriageModel
from triage.schema import EvalMetrics


def evaluate_model(
    model: TriageModel, texts: list[str], labels: list[str], *, embeddings: np.ndarray | None = None
) -> EvalMetrics:
    probs = model.proba(model.matrix(texts, embeddings=embeddings))
    pred = [model.labels[i] for i in probs.argmax(1)]
    conf = probs.max(1)
    return EvalMetrics.model_validate(
        classification_report(labels, pred, conf, model.threshold, model.labels)
    )
