"""How well each automatic proxy agrees with the audit labels, on the cases whose label matches
the current answer: the proxy verdict's confusion matrix (labels × proxy) with precision and
recall of ``wrong`` and of ``correct``, and each single detector of ``wrong`` (unsupported
values, flipped polarity, values contradicting the reference, and — when a judge ran — ragas judge scores below a threshold).

A proxy-based gate rule is only enforced once this agreement is measured (``evals.gate``:
``requires_agreement``).
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from evals.audit import VERDICTS
from evals.records import CaseRecord

JUDGE_THRESHOLDS = (0.3, 0.5, 0.7)
JUDGE_WRONG_METRICS = ("faithfulness", "factual_correctness")


class Agreement(BaseModel):
    """A binary detector of ``target`` against the labels."""

    proxy: str
    target: str
    n: int
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def summary(self) -> dict[str, float | int | str | None]:
        return {**self.model_dump(), "precision": self.precision, "recall": self.recall}


class AgreementReport(BaseModel):
    n: int = Field(description="labelled cases (label matches the current answer)")
    labels: list[str] = Field(default_factory=lambda: list(VERDICTS))
    confusion: list[list[int]] = Field(
        default_factory=list, description="rows: label, columns: proxy verdict"
    )
    accuracy: float | None = None
    detectors: list[dict[str, float | int | str | None]] = Field(default_factory=list)

    def find(self, proxy: str, target: str) -> dict[str, float | int | str | None] | None:
        return next((d for d in self.detectors if d["proxy"] == proxy and d["target"] == target), None)


def _binary(name: str, target: str, pairs: list[tuple[str, bool]]) -> Agreement:
    tp = sum(lab == target and hit for lab, hit in pairs)
    fp = sum(lab != target and hit for lab, hit in pairs)
    fn = sum(lab == target and not hit for lab, hit in pairs)
    return Agreement(
        proxy=name, target=target, n=len(pairs), tp=tp, fp=fp, fn=fn, tn=len(pairs) - tp - fp - fn
    )


def _score(rec: CaseRecord, name: str) -> float | None:
    v = rec.scores.get(name)
    return None if v is None or v != v else float(v)


def agreement(records: list[CaseRecord]) -> AgreementReport:
    """Agreement on records whose verdict came from a label (and with a proxy verdict)."""
    cases = [r for r in records if r.verdict_source == "label" and r.verdict and r.proxy_verdict]
    idx = {v: i for i, v in enumerate(VERDICTS)}
    matrix = [[0] * len(VERDICTS) for _ in VERDICTS]
    for r in cases:
        matrix[idx[str(r.verdict)]][idx[str(r.proxy_verdict)]] += 1
    report = AgreementReport(
        n=len(cases),
        confusion=matrix,
        accuracy=sum(matrix[i][i] for i in range(len(VERDICTS))) / len(cases) if cases else None,
    )
    detectors: list[tuple[str, str, Callable[[CaseRecord], bool | None]]] = [
        ("verdict", "wrong", lambda r: r.proxy_verdict == "wrong"),
        ("verdict", "correct", lambda r: r.proxy_verdict == "correct"),
        ("verdict", "no_answer", lambda r: r.proxy_verdict == "no_answer"),
        ("unsupported_facts", "wrong", lambda r: (_score(r, "unsupported_facts") or 0) > 0),
        ("polarity_mismatch", "wrong", lambda r: (_score(r, "polarity_mismatch") or 0) > 0),
        ("conflicting_values", "wrong", lambda r: (_score(r, "conflicting_values") or 0) > 0),
        ("reference_overlap<0.35", "wrong", _below("reference_overlap", 0.35)),
    ]
    for metric in JUDGE_WRONG_METRICS:
        if any(_score(r, metric) is not None for r in cases):
            for t in JUDGE_THRESHOLDS:
                detectors.append((f"{metric}<{t}", "wrong", _below(metric, t)))
    for name, target, fn in detectors:
        pairs = [(str(r.verdict), bool(hit)) for r in cases if (hit := fn(r)) is not None]
        report.detectors.append(_binary(name, target, pairs).summary())
    return report


def _below(metric: str, threshold: float) -> Callable[[CaseRecord], bool | None]:
    def hit(rec: CaseRecord) -> bool | None:
        v = _score(rec, metric)
        return None if v is None else v < threshold

    return hit


def heldout_agreement(records: list[CaseRecord]) -> AgreementReport:
    return agreement([r for r in records if r.label_split == "heldout"])
