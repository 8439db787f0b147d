"""Train a queue classifier from labeled tickets: split, fit, calibrate, pick a threshold."""

from __future__ import annotations

import hashlib
import time
import warnings
from collections import Counter
from typing import Any

import numpy as np
from pydantic import BaseModel

from deskpilot.exceptions import UserInputError
from triage.calibration import fit_temperature
from triage.embed import embed_texts
from triage.features import ContextFn, FeatureBuilder, FeatureConfig
from triage.metrics import classification_report, threshold_for_precision
from triage.model import TriageModel
from triage.schema import EvalMetrics, LabeledData, TrainReport


class SingletonLabelWarning(UserWarning):
    """A label has a single example: kept for training, left out of validation."""


class TrainConfig(BaseModel):
    features: FeatureConfig = FeatureConfig()
    c: float = 0.5
    seed: int = 0
    validation_size: float = 0.15
    target_precision: float = 0.9
    refit: bool = True


def _classifier(cfg: TrainConfig) -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(C=cfg.c, random_state=cfg.seed, max_iter=5000)


def _split(labels: list[str], cfg: TrainConfig) -> tuple[np.ndarray, np.ndarray]:
    """Stratified validation split over labels with ≥ 2 examples; singletons stay in train."""
    from sklearn.model_selection import train_test_split

    counts = Counter(labels)
    idx = np.arange(len(labels))
    pool = np.array([i for i in idx if counts[labels[i]] >= 2])
    singles = np.array([i for i in idx if counts[labels[i]] < 2], dtype=int)
    n_val = max(1, round(len(pool) * cfg.validation_size)) if len(pool) >= 4 else 0
    if n_val == 0:
        return idx, np.array([], dtype=int)
    pool_labels = [labels[i] for i in pool]
    stratify = pool_labels if n_val >= len(set(pool_labels)) else None
    tr, va = train_test_split(pool, test_size=n_val, stratify=stratify, random_state=cfg.seed)
    return np.sort(np.concatenate([tr, singles])).astype(int), np.sort(va).astype(int)


def _fit(
    texts: list[str], labels: list[str], emb: np.ndarray | None, ctx: list[Any] | None, cfg: TrainConfig
) -> tuple[FeatureBuilder, Any, Any]:
    fb = FeatureBuilder(cfg.features).fit(texts, ctx, embeddings=emb, labels=labels)
    x = fb.transform(texts, embeddings=emb, contexts=ctx, training=True)
    clf = _classifier(cfg).fit(x, labels)
    return fb, clf, x


def _take(values: Any, idx: np.ndarray) -> Any:
    if values is None:
        return None
    if isinstance(values, np.ndarray):
        return values[idx]
    return [values[i] for i in idx]


def model_version(data: LabeledData, cfg: TrainConfig) -> str:
    digest = hashlib.sha256(f"{data.source_hash}|{cfg.model_dump_json()}".encode()).hexdigest()
    return f"triage-{digest[:12]}"


def train_model(
    data: LabeledData,
    cfg: TrainConfig | None = None,
    *,
    embeddings: np.ndarray | None = None,
    context_fn: ContextFn | None = None,
) -> tuple[TriageModel, TrainReport]:
    """Fit features and a linear model, calibrate on a held-out split, choose the threshold."""
    cfg = cfg or TrainConfig()
    labels_set = sorted(set(data.labels))
    if len(labels_set) < 2:
        raise UserInputError(f"need at least 2 distinct labels to train, got {labels_set}")
    counts = Counter(data.labels)
    singletons = sorted(k for k, v in counts.items() if v == 1)
    if singletons:
        warnings.warn(
            f"{len(singletons)} label(s) have one example (kept for training, not validated): "
            + ", ".join(singletons[:10]),
            SingletonLabelWarning,
            stacklevel=2,
        )
    cfg = cfg.model_copy(deep=True)
    cfg.features.context = cfg.features.context and context_fn is not None
    started = time.perf_counter()
    texts = data.texts
    if cfg.features.embed and embeddings is None:
        embeddings = embed_texts(texts)
    contexts = [context_fn(t) for t in texts] if cfg.features.context and context_fn else None
    tr, va = _split(data.labels, cfg)
    fb, clf, _ = _fit(
        _take(texts, tr), _take(data.labels, tr), _take(embeddings, tr), _take(contexts, tr), cfg
    )
    version = model_version(data, cfg)
    model = TriageModel(
        features=fb, classifier=clf, labels=labels_set, temperature=1.0, threshold=0.0, model_version=version
    )
    y_val = [data.labels[i] for i in va]
    if len(va):
        logits = model.logits(
            fb.transform(_take(texts, va), embeddings=_take(embeddings, va), contexts=_take(contexts, va))
        )
        y_idx = np.array([labels_set.index(y) for y in y_val])
        model.temperature = fit_temperature(logits, y_idx)
        probs = model.proba_from_logits(logits)
        pred = [labels_set[i] for i in probs.argmax(1)]
        conf = probs.max(1)
        model.threshold = threshold_for_precision(
            conf, np.array([p == y for p, y in zip(pred, y_val, strict=True)]), cfg.target_precision
        )
        report_val = classification_report(y_val, pred, conf, model.threshold, labels_set)
    else:
        report_val = classification_report([], [], np.array([]), 0.0, labels_set)
    if cfg.refit and len(va):
        fb, clf, x_all = _fit(texts, data.labels, embeddings, contexts, cfg)
        model.features, model.classifier = fb, clf
        model._order = np.array([labels_set.index(str(c)) for c in clf.classes_])
    else:
        x_all = fb.transform(texts, embeddings=embeddings, contexts=contexts, training=not len(va))
    if data.priorities and len(set(data.priorities)) >= 2:
        model.priority_classifier = _classifier(cfg).fit(x_all, data.priorities)
    report = TrainReport(
        model_version=version,
        n_train=len(texts) if cfg.refit else len(tr),
        n_validation=len(va),
        labels=labels_set,
        singleton_labels=singletons,
        threshold=model.threshold,
        target_precision=cfg.target_precision,
        temperature=model.temperature,
        train_seconds=round(time.perf_counter() - started, 3),
        data_hash=data.source_hash,
        features=cfg.features.names(),
        validation=EvalMetrics.model_validate(report_val),
        priority_model=model.priority_classifier is not None,
    )
    return model, report
