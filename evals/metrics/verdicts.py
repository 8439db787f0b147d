"""Per-case verdicts (audit label when it matches the current answer, else the proxy) and the
correctness rates in ``results.json``.

Over the successful cases expected to be answered (``N``):

- ``complete_rate`` = share with verdict ``correct`` (correct AND complete: the headline figure);
- ``correct_rate``  = share with nothing false in them (``correct`` + ``incomplete``);
- ``wrong_rate``    = share ``wrong`` (a false claim, cited or not, even if the rest is fine);
- ``no_answer_rate`` = share abstained / escalated / refused / empty;
- ``n_labelled`` (verdict from a matching label), ``n_proxy`` (from the proxy), ``n_stale``
  (a label exists for an older answer: re-label), and ``n_labelled_heldout``;
- ``audit_*`` rates: the same over labelled cases only (``audit_heldout_*``: held-out labels);
- ``proxy_*`` rates: the same with the proxy verdict on every case, labels ignored.
"""

from __future__ import annotations

from collections.abc import Iterable

from evals.audit import AuditLabel, label_index, match_label
from evals.metrics.correctness import assess
from evals.records import CaseRecord

RATE_OF = {"complete": ("correct",), "correct": ("correct", "incomplete"), "wrong": ("wrong",)}
LOWER_IS_BETTER = frozenset(
    {
        "wrong_rate",
        "audit_wrong_rate",
        "audit_heldout_wrong_rate",
        "proxy_wrong_rate",
        "no_answer_rate",
        "n_stale",
        "unsupported_facts",
        "polarity_mismatch",
        "conflicting_values",
    }
)


def judged(records: Iterable[CaseRecord]) -> list[CaseRecord]:
    """The cases a correctness verdict applies to: successful and expected to be answered from the
    knowledge base. A case that expects a tool reply (a record lookup or a refund: ``expected_route``
    tool) states facts from the tool database, not from a cited passage, so the proxy cannot judge
    it; its decisions are scored by :mod:`evals.decisions`."""
    return [r for r in records if r.ok and r.expected_behavior == "answer" and not _expects_tool(r)]


def _expects_tool(rec: CaseRecord) -> bool:
    return rec.expected_decisions is not None and rec.expected_decisions.expected_route == "tool"


def apply_verdicts(records: list[CaseRecord], labels: Iterable[AuditLabel] = ()) -> None:
    """Fill the verdict fields and proxy scores of every record, in place."""
    index = label_index(labels)
    for rec in records:
        rec.verdict = rec.verdict_source = rec.proxy_verdict = rec.label_split = None
        rec.label_status, rec.label_reason, rec.proxy_reasons = "none", "", []
    for rec in judged(records):
        proxy = assess(rec)
        rec.proxy_verdict, rec.proxy_reasons = proxy.verdict, proxy.reasons
        rec.scores.update(proxy.scores())
        match = match_label(index, rec.id, rec.answer)
        rec.label_status = match.status
        if match.status == "matched" and match.label is not None:
            rec.verdict, rec.verdict_source, rec.label_reason = (
                match.label.verdict,
                "label",
                match.label.reason,
            )
            rec.label_split = match.label.split
        else:
            rec.verdict, rec.verdict_source = proxy.verdict, "proxy"
        # per-case 0/1 so `eval compare` gives paired bootstrap intervals for the rates
        rec.scores.update({f"{name}_rate": float(rec.verdict in kinds) for name, kinds in RATE_OF.items()})


def _rates(verdicts: list[str], prefix: str) -> dict[str, float | None]:
    n = len(verdicts)
    out: dict[str, float | None] = {}
    for name, kinds in RATE_OF.items():
        out[f"{prefix}{name}_rate"] = sum(v in kinds for v in verdicts) / n if n else None
    return out


def correctness_metrics(records: list[CaseRecord]) -> dict[str, float | None]:
    cases = [r for r in judged(records) if r.verdict is not None]
    verdicts = [str(r.verdict) for r in cases]
    metrics = _rates(verdicts, "")
    metrics["no_answer_rate"] = verdicts.count("no_answer") / len(verdicts) if verdicts else None
    labelled = [r for r in cases if r.verdict_source == "label"]
    metrics["n_labelled"] = float(len(labelled))
    metrics["n_proxy"] = float(len(cases) - len(labelled))
    metrics["n_stale"] = float(sum(r.label_status == "stale" for r in cases))
    metrics.update(_rates([str(r.verdict) for r in labelled], "audit_"))
    held = [str(r.verdict) for r in labelled if r.label_split == "heldout"]
    metrics["n_labelled_heldout"] = float(len(held))
    metrics.update(_rates(held, "audit_heldout_"))
    metrics.update(_rates([str(r.proxy_verdict) for r in cases], "proxy_"))
    return metrics
