"""Re-derive a finished run's verdicts, correctness rates and proxy agreement from audit labels,
without running the agent or the scorers again (labels change more often than answers)."""

from __future__ import annotations

from pathlib import Path

from evals.audit import AuditLabel
from evals.metrics.aggregate import slices, summarize
from evals.metrics.agreement import agreement, heldout_agreement
from evals.metrics.verdicts import apply_verdicts
from evals.results import AuditInfo, EvalResults


def relabel(results: EvalResults, labels: list[AuditLabel], files: list[Path]) -> EvalResults:
    """A copy of ``results`` with verdicts from ``labels`` (proxies elsewhere)."""
    out = results.model_copy(deep=True)
    apply_verdicts(out.per_case, labels)
    out.metrics = summarize(out.per_case, out.n)
    out.slices = slices(out.per_case)
    out.proxy_agreement = agreement(out.per_case)
    out.proxy_agreement_heldout = heldout_agreement(out.per_case)
    out.audit = AuditInfo(files=[str(f) for f in files], n_labels=len(labels))
    return out
