"""Routing and behaviour: accuracy, macro-F1 and confusion matrix of the predicted category
(triage queue, else route) against ``category``; answer, abstention and escalation rates.

An ``out_of_scope`` (expected ``abstain``) case counts as correctly routed when the agent
abstained or escalated; its predicted label is then ``out_of_scope``.
"""

from __future__ import annotations

from pydantic import BaseModel

from evals.dataset import OUT_OF_SCOPE
from evals.records import CaseRecord


class Confusion(BaseModel):
    labels: list[str]
    matrix: list[list[int]]  # rows: true label, columns: predicted label


def predicted_label(rec: CaseRecord) -> str:
    if rec.expected_behavior == "abstain" and rec.abstained:
        return rec.category if rec.category else OUT_OF_SCOPE
    return rec.predicted_category or "(none)"


def routing_correct(rec: CaseRecord) -> float:
    return 1.0 if predicted_label(rec) == rec.category else 0.0


def confusion(records: list[CaseRecord]) -> Confusion:
    ok = [r for r in records if r.ok]
    labels = sorted({r.category for r in ok} | {predicted_label(r) for r in ok})
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for r in ok:
        matrix[index[r.category]][index[predicted_label(r)]] += 1
    return Confusion(labels=labels, matrix=matrix)


def macro_f1(records: list[CaseRecord]) -> float:
    """Mean F1 over the TRUE labels (a label only ever predicted lowers precision of none)."""
    ok = [r for r in records if r.ok]
    true_labels = sorted({r.category for r in ok})
    if not true_labels:
        return 0.0
    f1s: list[float] = []
    for label in true_labels:
        tp = sum(1 for r in ok if r.category == label and predicted_label(r) == label)
        fp = sum(1 for r in ok if r.category != label and predicted_label(r) == label)
        fn = sum(1 for r in ok if r.category == label and predicted_label(r) != label)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(f1s) / len(f1s)


def _rate(num: int, den: int) -> float | None:
    return num / den if den else None


def behaviour_rates(records: list[CaseRecord]) -> dict[str, float | None]:
    ok = [r for r in records if r.ok]
    in_scope = [r for r in ok if r.expected_behavior == "answer"]
    out_scope = [r for r in ok if r.expected_behavior == "abstain"]
    return {
        "answer_rate": _rate(sum(r.answered for r in in_scope), len(in_scope)),
        "abstention_rate": _rate(sum(r.abstained for r in out_scope), len(out_scope)),
        "false_abstention_rate": _rate(sum(r.abstained for r in in_scope), len(in_scope)),
        "escalation_rate": _rate(sum(r.escalated for r in ok), len(ok)),
    }


def routing_metrics(records: list[CaseRecord]) -> dict[str, float | None]:
    ok = [r for r in records if r.ok]
    return {
        "routing_accuracy": _rate(int(sum(routing_correct(r) for r in ok)), len(ok)),
        "routing_macro_f1": macro_f1(records) if ok else None,
        **behaviour_rates(records),
    }
