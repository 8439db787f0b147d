"""``results.json``: ``{n, metrics, per_case, slices, config, dataset, prompt_versions, model, ...}``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from deskpilot.exceptions import UserInputError
from evals.decisions import DecisionReport
from evals.metrics.agreement import AgreementReport
from evals.metrics.routing import Confusion
from evals.records import CaseRecord

RESULTS = "results.json"


class DatasetRef(BaseModel):
    path: str
    hash: str


class JudgeInfo(BaseModel):
    model: str | None = None
    meaningful: bool = False
    note: str = ""


class AuditInfo(BaseModel):
    files: list[str] = Field(default_factory=list, description="audit label files read")
    n_labels: int = 0


class EvalResults(BaseModel):
    run_id: str
    created_at: str
    n: int = Field(description="golden cases in the (limited) dataset; never shrinks")
    metrics: dict[str, float | None]
    per_case: list[CaseRecord]
    slices: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    confusion: Confusion | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    config_hash: str = ""
    dataset: DatasetRef
    prompt_versions: dict[str, int] = Field(default_factory=dict)
    model: str = ""
    judge: JudgeInfo = Field(default_factory=JudgeInfo)
    wall_time_s: float = 0.0
    audit: AuditInfo = Field(default_factory=AuditInfo)
    proxy_agreement: AgreementReport | None = Field(
        default=None, description="each correctness proxy against the audit labels (evals.metrics.agreement)"
    )
    proxy_agreement_heldout: AgreementReport | None = Field(
        default=None, description="the same on held-out labels only (report these; tune on the others)"
    )
    decisions: DecisionReport | None = Field(
        default=None, description="decision metrics with n, route confusion, tune/held-out (evals.decisions)"
    )

    @property
    def failed(self) -> list[CaseRecord]:
        return [r for r in self.per_case if not r.ok]

    def save(self, run_dir: Path) -> Path:
        from evals.runner import write_json

        path = run_dir / RESULTS
        write_json(path, self.model_dump(mode="json"))
        return path


def resolve_results_path(path: str | Path) -> Path:
    """A run directory or a results.json file → the results.json path."""
    p = Path(path)
    if p.is_dir():
        p = p / RESULTS
    if not p.is_file():
        raise UserInputError(f"no results.json at {path}")
    return p


def load_results(path: str | Path) -> EvalResults:
    p = resolve_results_path(path)
    try:
        return EvalResults.model_validate(json.loads(p.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise UserInputError(f"{p}: not a valid results.json ({first})") from exc
