"""Agreement between two sets of labels on the same answers (inter-labeller reliability).

The audit figures are only as good as the labels: :func:`labeller_agreement` pairs two label sets
by (case id, answer hash) and reports the verdict confusion, raw agreement, Cohen's kappa and the
agreement on the two outcomes the issue gates on (correct-and-complete, wrong), with each set's
rates on the shared answers. ``bench/label_agreement.py`` runs it on a blind re-label of a
held-out sample (``evals/audits/second/``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from evals.audit import VERDICTS, AuditLabel


def cohen_kappa(a: list[str], b: list[str], classes: Iterable[str] = VERDICTS) -> float:
    """Cohen's kappa of two equally long label sequences (1 = perfect, 0 = chance level)."""
    if len(a) != len(b):
        raise ValueError("the two label sequences differ in length")
    n = len(a)
    if n == 0:
        return float("nan")
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    expected = sum((a.count(c) / n) * (b.count(c) / n) for c in classes)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def labeller_agreement(first: Iterable[AuditLabel], second: Iterable[AuditLabel]) -> dict[str, Any]:
    """Agreement of ``second`` with ``first`` on the answers both labelled (the last label of a
    (case id, answer hash) pair counts)."""
    one: dict[tuple[str, str], str] = {(lab.case_id, lab.answer_sha256): lab.verdict for lab in first}
    two: dict[tuple[str, str], str] = {(lab.case_id, lab.answer_sha256): lab.verdict for lab in second}
    keys = sorted(one.keys() & two.keys())
    a = [one[k] for k in keys]
    b = [two[k] for k in keys]
    n = len(keys)

    def rate(seq: list[str], verdict: str) -> float:
        return round(seq.count(verdict) / n, 3) if n else float("nan")

    def binary(verdict: str) -> dict[str, Any]:
        both = sum(x == verdict and y == verdict for x, y in zip(a, b, strict=True))
        either = sum(x == verdict or y == verdict for x, y in zip(a, b, strict=True))
        same = sum((x == verdict) == (y == verdict) for x, y in zip(a, b, strict=True))
        return {"agreement": round(same / n, 3) if n else float("nan"), "both": both, "either": either}

    return {
        "n": n,
        "confusion": {
            v: {w: sum(x == v and y == w for x, y in zip(a, b, strict=True)) for w in VERDICTS}
            for v in VERDICTS
        },
        "agreement": round(sum(x == y for x, y in zip(a, b, strict=True)) / n, 3) if n else float("nan"),
        "kappa": round(cohen_kappa(a, b), 3) if n else float("nan"),
        "correct": binary("correct"),
        "wrong": binary("wrong"),
        "first_rates": {v: rate(a, v) for v in VERDICTS},
        "second_rates": {v: rate(b, v) for v in VERDICTS},
        "disagreements": [
            {"case_id": k[0], "first": x, "second": y} for k, x, y in zip(keys, a, b, strict=True) if x != y
        ],
    }
