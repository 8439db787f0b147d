"""Structured data for triage: results, candidates, labeled data, training metrics."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Priority = Literal["P1", "P2", "P3", "P4"]
Sentiment = Literal["negative", "neutral", "positive"]


class Candidate(BaseModel):
    queue: str
    score: float


class TriageResult(BaseModel):
    """What triage says about one ticket (the API shows all but ``candidates``/``reason``)."""

    queue: str | None = Field(description="best queue; None only when there is nothing to classify")
    confidence: float = Field(ge=0.0, le=1.0)
    priority: Priority = "P3"
    sentiment: Sentiment = "neutral"
    language: str = "und"
    needs_human: bool
    model_version: str
    candidates: list[Candidate] = Field(default_factory=list)
    reason: str | None = Field(default=None, description="why needs_human, when it is set")


class LabeledData(BaseModel):
    """Tickets loaded from CSV/JSONL: texts with labels and optional priorities/groups."""

    texts: list[str]
    labels: list[str]
    priorities: list[str] | None = None
    groups: list[str] | None = None
    source_hash: str = ""


class EvalMetrics(BaseModel):
    n: int
    accuracy: float
    macro_f1: float
    ece: float
    coverage: float = Field(description="share of tickets answered without a human at the threshold")
    precision_at_threshold: float
    labels: list[str]
    confusion: list[list[int]]


class TrainReport(BaseModel):
    model_version: str
    n_train: int
    n_validation: int
    labels: list[str]
    singleton_labels: list[str]
    threshold: float
    target_precision: float
    temperature: float
    train_seconds: float
    data_hash: str
    features: list[str]
    validation: EvalMetrics
    priority_model: bool
