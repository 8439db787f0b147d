"""The deploy gate: YAML thresholds checked against results and an optional baseline.

```yaml
metrics:
  semantic_similarity: {min: 0.6, max_drop: 0.02}
  latency_p95_s: {max: 8}
slices:
  refunds: {hit@5: {min: 0.5}}
```
``max_drop`` compares with the baseline (an earlier results.json): for metrics where lower is
better (latency, cost, failures) it bounds the increase instead. A failed or missing case
always fails the gate; a metric named in the gate but absent from the results fails too.

Correctness rates mix audit labels and automatic proxies. A rule may demand that the proxy
be trusted first::

  wrong_rate: {max: 0.05, requires_agreement: {proxy: verdict, target: wrong,
                                               min_precision: 0.7, min_recall: 0.6, min_n: 30}}

It is enforced when every verdict came from a label (``n_proxy`` = 0) or when the proxy's
agreement with the labels (``results.proxy_agreement``) meets the bounds; otherwise it is
reported as not enforced (and passes), saying what is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from deskpilot.exceptions import UserInputError
from evals.metrics.aggregate import HIGHER_IS_BETTER_EXCEPT
from evals.results import EvalResults


class AgreementRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    proxy: str = "verdict"
    target: str = "wrong"
    min_precision: float = Field(default=0.0, ge=0, le=1)
    min_recall: float = Field(default=0.0, ge=0, le=1)
    min_n: int = Field(default=30, ge=1)


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min: float | None = None
    max: float | None = None
    max_drop: float | None = Field(default=None, ge=0)
    requires_agreement: AgreementRule | None = None

    @model_validator(mode="after")
    def _some(self) -> Threshold:
        if self.min is None and self.max is None and self.max_drop is None:
            raise ValueError("give at least one of min, max, max_drop")
        return self


class Gate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    metrics: dict[str, Threshold] = Field(default_factory=dict)
    slices: dict[str, dict[str, Threshold]] = Field(default_factory=dict)


class Verdict(BaseModel):
    scope: str = Field(description="'overall', a category, or 'rows'")
    metric: str
    check: str
    value: float | None
    limit: float | None
    passed: bool
    reason: str


class GateReport(BaseModel):
    passed: bool
    verdicts: list[Verdict]

    @property
    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.passed]

    def lines(self) -> list[str]:
        return [f"{'PASS' if v.passed else 'FAIL'} {v.reason}" for v in self.verdicts]


def load_gate(path: str | Path) -> Gate:
    p = Path(path)
    if not p.is_file():
        raise UserInputError(f"gate file not found: {p}")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        return Gate.model_validate(data)
    except yaml.YAMLError as exc:
        raise UserInputError(f"{p}: not valid YAML ({str(exc).splitlines()[0]})") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise UserInputError(f"{p}: {loc}: {err['msg']}") from exc


def _lower_is_better(metric: str) -> bool:
    return metric in HIGHER_IS_BETTER_EXCEPT


def _check(scope: str, metric: str, t: Threshold, value: float | None, base: float | None) -> list[Verdict]:
    where = metric if scope == "overall" else f"{scope}/{metric}"
    out: list[Verdict] = []
    if value is None:
        return [
            Verdict(
                scope=scope,
                metric=metric,
                check="present",
                value=None,
                limit=None,
                passed=False,
                reason=f"{where}: missing from results",
            )
        ]
    if t.min is not None:
        ok = value >= t.min
        out.append(
            Verdict(
                scope=scope,
                metric=metric,
                check="min",
                value=value,
                limit=t.min,
                passed=ok,
                reason=f"{where} = {value:.4f} {'>=' if ok else '<'} min {t.min}",
            )
        )
    if t.max is not None:
        ok = value <= t.max
        out.append(
            Verdict(
                scope=scope,
                metric=metric,
                check="max",
                value=value,
                limit=t.max,
                passed=ok,
                reason=f"{where} = {value:.4f} {'<=' if ok else '>'} max {t.max}",
            )
        )
    if t.max_drop is not None:
        if base is None:
            out.append(
                Verdict(
                    scope=scope,
                    metric=metric,
                    check="max_drop",
                    value=value,
                    limit=t.max_drop,
                    passed=True,
                    reason=f"{where}: no baseline value, max_drop not checked",
                )
            )
        else:
            drop = (value - base) if _lower_is_better(metric) else (base - value)
            ok = drop <= t.max_drop + 1e-12
            word = "rise" if _lower_is_better(metric) else "drop"
            out.append(
                Verdict(
                    scope=scope,
                    metric=metric,
                    check="max_drop",
                    value=value,
                    limit=t.max_drop,
                    passed=ok,
                    reason=f"{where} = {value:.4f} vs baseline {base:.4f}: {word} "
                    f"{drop:.4f} {'<=' if ok else '>'} max_drop {t.max_drop}",
                )
            )
    return out


def _rows(results: EvalResults) -> list[Verdict]:
    failed = results.failed
    missing = results.n - len(results.per_case)
    verdicts = [
        Verdict(
            scope="rows",
            metric="n_failed",
            check="max",
            value=float(len(failed)),
            limit=0.0,
            passed=not failed,
            reason=f"rows: {len(failed)} of {results.n} cases failed"
            + (f" (first: {failed[0].id}: {failed[0].error})" if failed else ""),
        )
    ]
    verdicts.append(
        Verdict(
            scope="rows",
            metric="n_missing",
            check="max",
            value=float(missing),
            limit=0.0,
            passed=missing <= 0,
            reason=f"rows: {len(results.per_case)} of {results.n} cases have results",
        )
    )
    return verdicts


def untrusted(results: EvalResults, rule: AgreementRule | None) -> str | None:
    """Why a proxy-based rule is not enforced on these results, or None when it is."""
    if rule is None or not results.metrics.get("n_proxy"):
        return None
    agree = results.proxy_agreement
    found = agree.find(rule.proxy, rule.target) if agree else None
    if found is None:
        return f"no agreement measured for proxy '{rule.proxy}' on '{rule.target}'"
    n, precision, recall = int(found["n"] or 0), found["precision"], found["recall"]
    if n < rule.min_n:
        return f"proxy '{rule.proxy}' agreement measured on {n} labelled cases < min_n {rule.min_n}"
    for name, value, bound in (
        ("precision", precision, rule.min_precision),
        ("recall", recall, rule.min_recall),
    ):
        if value is None or float(value) < bound:
            shown = "n/a" if value is None else f"{float(value):.3f}"
            return f"proxy '{rule.proxy}' {name} of '{rule.target}' {shown} < {bound}"
    return None


def _checked(
    results: EvalResults, scope: str, metric: str, t: Threshold, value: float | None, base: float | None
) -> list[Verdict]:
    why = untrusted(results, t.requires_agreement)
    if why is None:
        return _check(scope, metric, t, value, base)
    where = metric if scope == "overall" else f"{scope}/{metric}"
    return [
        Verdict(
            scope=scope,
            metric=metric,
            check="agreement",
            value=value,
            limit=None,
            passed=True,
            reason=f"{where}: not enforced, {why}",
        )
    ]


def check_gate(results: EvalResults, gate: Gate, baseline: EvalResults | None = None) -> GateReport:
    verdicts = _rows(results)
    if baseline is not None and baseline.n > results.n:
        verdicts.append(
            Verdict(
                scope="rows",
                metric="n",
                check="min",
                value=float(results.n),
                limit=float(baseline.n),
                passed=False,
                reason=f"rows: n = {results.n} < baseline n = {baseline.n}",
            )
        )
    base_metrics: dict[str, Any] = baseline.metrics if baseline else {}
    for metric, t in gate.metrics.items():
        verdicts += _checked(
            results, "overall", metric, t, results.metrics.get(metric), base_metrics.get(metric)
        )
    for category, rules in gate.slices.items():
        current = results.slices.get(category)
        base_slice = baseline.slices.get(category, {}) if baseline else {}
        for metric, t in rules.items():
            value = current.get(metric) if current else None
            verdicts += _checked(results, category, metric, t, value, base_slice.get(metric))
    return GateReport(passed=all(v.passed for v in verdicts), verdicts=verdicts)
