"""The trained queue classifier: features + linear model + temperature + threshold.

Saved as a directory::

    model.joblib    FeatureBuilder, classifier(s) — pickle: load only models you trust
    labels.json     queue labels in score order
    version.json    model_version, data hash, seed, features, threshold, temperature
    metrics.json    the training report (validation metrics)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from deskpilot.exceptions import ConfigError
from triage.calibration import softmax
from triage.features import ContextFn, FeatureBuilder
from triage.schema import TrainReport

MODEL_FILE = "model.joblib"
FORMAT = 1


class TriageModel:
    """Everything needed to score texts; built by :func:`triage.train.train_model`."""

    def __init__(
        self,
        *,
        features: FeatureBuilder,
        classifier: Any,
        labels: list[str],
        temperature: float,
        threshold: float,
        model_version: str,
        priority_classifier: Any = None,
    ) -> None:
        self.features = features
        self.classifier = classifier
        self.labels = labels
        self.temperature = temperature
        self.threshold = threshold
        self.model_version = model_version
        self.priority_classifier = priority_classifier
        self.context_fn: ContextFn | None = None
        self._order = np.array([labels.index(str(c)) for c in classifier.classes_])

    @property
    def uses_context(self) -> bool:
        return bool(self.features.config.context and self.features.sources)

    def matrix(self, texts: list[str], *, embeddings: np.ndarray | None = None) -> Any:
        contexts = None
        if self.uses_context and self.context_fn is not None:
            contexts = [self.context_fn(t) for t in texts]
        return self.features.transform(texts, embeddings=embeddings, contexts=contexts)

    def logits(self, x: Any) -> np.ndarray:
        raw = np.asarray(self.classifier.decision_function(x), dtype=np.float64)
        if raw.ndim == 1:  # binary: one margin column → two symmetric logits
            raw = np.stack([-raw / 2, raw / 2], axis=1)
        out = np.empty_like(raw)
        out[:, self._order] = raw
        return out

    def proba(self, x: Any) -> np.ndarray:
        return self.proba_from_logits(self.logits(x))

    def proba_from_logits(self, logits: np.ndarray) -> np.ndarray:
        return softmax(logits, self.temperature)

    def priorities(self, x: Any) -> list[str] | None:
        if self.priority_classifier is None:
            return None
        return [str(p) for p in self.priority_classifier.predict(x)]

    def save(self, out_dir: Path, report: TrainReport) -> None:
        import joblib

        out_dir.mkdir(parents=True, exist_ok=True)
        fn, self.context_fn = self.context_fn, None
        try:
            joblib.dump(self, out_dir / MODEL_FILE, compress=3)
        finally:
            self.context_fn = fn
        (out_dir / "labels.json").write_text(json.dumps(self.labels, indent=2) + "\n")
        version = {
            "format": FORMAT,
            "model_version": self.model_version,
            "data_hash": report.data_hash,
            "features": report.features,
            "threshold": self.threshold,
            "temperature": self.temperature,
            "target_precision": report.target_precision,
            "priority_model": self.priority_classifier is not None,
        }
        (out_dir / "version.json").write_text(json.dumps(version, indent=2) + "\n")
        (out_dir / "metrics.json").write_text(report.model_dump_json(indent=2) + "\n")


def is_model_dir(path: Path) -> bool:
    return (path / MODEL_FILE).is_file() and (path / "version.json").is_file()


def load_model(path: Path) -> TriageModel:
    """Load a saved model. joblib uses pickle: only load model directories you trust."""
    import joblib

    if not is_model_dir(path):
        raise ConfigError(f"no triage model in {path} (expected {MODEL_FILE} and version.json)")
    meta = json.loads((path / "version.json").read_text())
    if meta.get("format") != FORMAT:
        raise ConfigError(f"triage model in {path} has format {meta.get('format')}, expected {FORMAT}")
    model = joblib.load(path / MODEL_FILE)
    if not isinstance(model, TriageModel):
        raise ConfigError(f"{path / MODEL_FILE} does not hold a triage model")
    return model
