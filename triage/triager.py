"""``Triager``: queue + confidence + priority + sentiment + language for each ticket."""

from __future__ import annotations

import numpy as np

from triage.features import ContextFn
from triage.model import TriageModel
from triage.priority import PriorityRules, load_rules
from triage.schema import Candidate, Priority, TriageResult
from triage.signals import detect_language, sentiment_label, sentiment_score
from triage.zeroshot import ZeroShotClassifier

TOP_CANDIDATES = 3


class Triager:
    """Wraps a trained :class:`TriageModel` or a :class:`ZeroShotClassifier`."""

    def __init__(
        self,
        classifier: TriageModel | ZeroShotClassifier,
        *,
        rules: PriorityRules | None = None,
        context_fn: ContextFn | None = None,
    ) -> None:
        self.classifier = classifier
        self.rules = rules or load_rules()
        if isinstance(classifier, TriageModel):
            classifier.context_fn = context_fn

    @property
    def model_version(self) -> str:
        return self.classifier.model_version

    @property
    def threshold(self) -> float:
        return self.classifier.threshold

    @property
    def labels(self) -> list[str]:
        return list(self.classifier.labels)

    def predict(self, text: str) -> TriageResult:
        return self.predict_many([text])[0]

    def _scores(self, texts: list[str]) -> tuple[np.ndarray, list[str] | None]:
        clf = self.classifier
        if isinstance(clf, TriageModel):
            x = clf.matrix(texts)
            return clf.proba(x), clf.priorities(x)
        return clf.proba(texts), None

    def predict_many(self, texts: list[str]) -> list[TriageResult]:
        texts = [t if isinstance(t, str) else "" for t in texts]
        live = [i for i, t in enumerate(texts) if t.strip()]
        results: list[TriageResult] = [
            TriageResult(
                queue=None,
                confidence=0.0,
                priority=self.rules.default,
                needs_human=True,
                model_version=self.model_version,
                reason="empty ticket text",
            )
            for _ in texts
        ]
        if not live:
            return results
        live_texts = [texts[i] for i in live]
        probs, priorities = self._scores(live_texts)
        labels = self.labels
        for row, i in enumerate(live):
            text = texts[i]
            order = np.argsort(-probs[row], kind="stable")[:TOP_CANDIDATES]
            cands = [Candidate(queue=labels[j], score=round(float(probs[row, j]), 6)) for j in order]
            best = cands[0]
            if isinstance(self.classifier, ZeroShotClassifier):
                best = self.classifier.rerank(text, cands) or best
            senti = sentiment_score(text)
            if priorities is not None:
                priority: Priority = priorities[row]  # type: ignore[assignment]
            else:
                priority, _ = self.rules.apply(text, senti)
            confidence = min(1.0, max(0.0, best.score))
            low = confidence < self.threshold
            results[i] = TriageResult(
                queue=best.queue,
                confidence=confidence,
                priority=priority,
                sentiment=sentiment_label(senti),
                language=detect_language(text),
                needs_human=low,
                model_version=self.model_version,
                candidates=cands,
                reason=f"confidence {confidence:.2f} below threshold {self.threshold:.2f}" if low else None,
            )
        return results
