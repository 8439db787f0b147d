"""The deploy gate: YAML thresholds checked against results and an optional baseline.

```yaml
metrics:
  semantic_similarity: {min: 0.6, max_drop: 0.02}
  latency_p95_s: {max: 8}
slices:
  refunds: {hit@5: {min: 0.5}}
```
``min`` / ``max`` are hard floors: crossing one always fails. ``max_drop`` is a regression rule
against the baseline (an earlier results.json, ``--baseline``): the candidate's per-case outcomes
are paired with the baseline's by case id and the rule fails only when the drop is larger than
``max_drop`` (the practical margin; for lower-is-better metrics such as latency or cost it bounds
the rise) **and** statistically significant at ``alpha`` (default 0.05, one-sided; the test is
exact McNemar for per-case 0/1 scores, a seeded paired bootstrap otherwise: ``evals.stats``).
A regression rule with no baseline is an error (``MissingBaselineError``, CLI exit 2), never a
pass; ``absolute_only`` drops those rules on purpose (a first nightly, ``--no-baseline``).
Slice rules apply only to slices with at least ``min_n`` cases (default 10); smaller slices are
reported, not gated. A failed or missing case always fails the gate; a metric named in the gate
but absent from the results fails too.

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

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from deskpilot.exceptions import UserInputError
from evals.metrics.aggregate import HIGHER_IS_BETTER_EXCEPT
from evals.results import EvalResults
from evals.stats import PairedDiff, pair, per_case_diff, statistic_diffs


class MissingBaselineError(UserInputError):
    """The gate has regression rules (``max_drop``) and no baseline run was given."""


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
    alpha: float | None = Field(default=None, gt=0, lt=1, description="overrides the gate's alpha")
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
    alpha: float = Field(default=0.05, gt=0, lt=1, description="one-sided significance of max_drop")
    min_n: int = Field(default=10, ge=1, description="slices with fewer cases are reported, not gated")


class Verdict(BaseModel):
    scope: str = Field(description="'overall', a category, or 'rows'")
    metric: str
    check: str
    value: float | None
    limit: float | None
    passed: bool
    reason: str
    paired: PairedDiff | None = Field(default=None, description="max_drop: baseline -> candidate, test")


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


def _check(
    scope: str, metric: str, t: Threshold, value: float | None, base: PairedDiff | None, alpha: float
) -> list[Verdict]:
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
        out.append(_regression(where, scope, metric, t, value, base, alpha))
    return out


def _regression(
    where: str, scope: str, metric: str, t: Threshold, value: float, base: PairedDiff | None, alpha: float
) -> Verdict:
    assert t.max_drop is not None
    a = t.alpha or alpha
    word = "rise" if _lower_is_better(metric) else "drop"

    def row(passed: bool, reason: str, paired: PairedDiff | None = None) -> Verdict:
        return Verdict(
            scope=scope,
            metric=metric,
            check="max_drop",
            value=value,
            limit=t.max_drop,
            passed=passed,
            reason=reason,
            paired=paired,
        )

    if base is None or base.base is None or base.drop is None:
        return row(False, f"{where}: no paired baseline value to compare with")
    big = base.drop > t.max_drop + 1e-12
    significant = base.p is not None and base.p < a
    ci = f"[{base.ci_low:+.4f}, {base.ci_high:+.4f}]" if base.ci_low is not None else "n/a"
    shown = "n/a" if base.p is None else f"{base.p:.3g}"
    why = (
        f"{where} = {base.base:.4f} -> {base.cand:.4f} (n={base.n_pairs} paired, diff 95% {ci}): "
        f"{word} {base.drop:.4f} {'>' if big else '<='} max_drop {t.max_drop}, {base.test} p={shown}"
    )
    if base.test == "none":
        return row(not big, why + " (no paired test: aggregates compared)", base)
    verdict = "significant" if significant else f"not significant at alpha {a}"
    return row(not (big and significant), f"{why} {verdict}", base)


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
    results: EvalResults,
    scope: str,
    metric: str,
    t: Threshold,
    value: float | None,
    base: PairedDiff | None,
    alpha: float,
) -> list[Verdict]:
    why = untrusted(results, t.requires_agreement)
    if why is None:
        return _check(scope, metric, t, value, base, alpha)
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


def needs_baseline(gate: Gate) -> list[str]:
    """The rules that compare with a baseline (``max_drop``), as ``scope/metric``."""
    rules = [m for m, t in gate.metrics.items() if t.max_drop is not None]
    return rules + [
        f"{c}/{m}" for c, r in gate.slices.items() for m, t in r.items() if t.max_drop is not None
    ]


def absolute_only(gate: Gate) -> Gate:
    """The gate minus its regression rules (a rule of nothing but ``max_drop`` goes)."""

    def keep(rules: dict[str, Threshold]) -> dict[str, Threshold]:
        out = {}
        for m, t in rules.items():
            bare = t.model_copy(update={"max_drop": None})
            if bare.min is not None or bare.max is not None:
                out[m] = bare
        return out

    return gate.model_copy(
        update={"metrics": keep(gate.metrics), "slices": {k: keep(v) for k, v in gate.slices.items()}}
    )


def require_baseline(gate: Gate, baseline: object | None) -> None:
    """Raise ``MissingBaselineError`` when the gate has regression rules and there is no baseline."""
    rules = needs_baseline(gate)
    if baseline is None and rules:
        raise MissingBaselineError(
            f"the gate's regression rules need a baseline run: {', '.join(rules)} "
            "(pass --baseline RUN_DIR, or --no-baseline to check the absolute limits only)"
        )


def _paired(
    results: EvalResults, baseline: EvalResults, metrics: list[str], category: str | None = None
) -> dict[str, PairedDiff]:
    """Baseline -> candidate per metric over the paired cases (of one category when given)."""
    cand = [r for r in results.per_case if category is None or r.category == category]
    base = [r for r in baseline.per_case if category is None or r.category == category]
    a, b = pair(base, cand)
    out: dict[str, PairedDiff] = {}
    rest: list[str] = []
    for m in metrics:
        d = per_case_diff(m, a, b, lower_is_better=_lower_is_better(m))
        if d is not None:
            out[m] = d
        else:
            rest.append(m)
    out.update(statistic_diffs(rest, a, b, lower_is_better=HIGHER_IS_BETTER_EXCEPT))
    bm = baseline.metrics if category is None else baseline.slices.get(category, {})
    for m in rest:  # nothing paired (no shared cases): aggregates only, said so in the verdict
        if m not in out and (va := bm.get(m)) is not None:
            vb = (results.metrics if category is None else results.slices.get(category, {})).get(m)
            drop = None if vb is None else ((vb - va) if _lower_is_better(m) else (va - vb))
            out[m] = PairedDiff(metric=m, test="none", n_pairs=0, base=va, cand=vb, drop=drop)
    return out


def _small_slice(category: str, metric: str, value: float | None, n: int, min_n: int) -> Verdict:
    return Verdict(
        scope=category,
        metric=metric,
        check="min_n",
        value=value,
        limit=float(min_n),
        passed=True,
        reason=f"{category}/{metric} = {'n/a' if value is None else f'{value:.4f}'}: "
        f"reported, not gated (n={n} < min_n {min_n})",
    )


def check_gate(results: EvalResults, gate: Gate, baseline: EvalResults | None = None) -> GateReport:
    """Every rule of ``gate`` on ``results``; raises ``MissingBaselineError`` (see the module doc)."""
    require_baseline(gate, baseline)
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
    drops = [m for m, t in gate.metrics.items() if t.max_drop is not None]
    paired = _paired(results, baseline, drops) if baseline is not None and drops else {}
    for metric, t in gate.metrics.items():
        verdicts += _checked(
            results, "overall", metric, t, results.metrics.get(metric), paired.get(metric), gate.alpha
        )
    for category, rules in gate.slices.items():
        current = results.slices.get(category)
        n = int((current or {}).get("n") or 0)
        if current and n < gate.min_n:
            verdicts += [_small_slice(category, m, current.get(m), n, gate.min_n) for m in rules]
            continue
        drops = [m for m, t in rules.items() if t.max_drop is not None]
        base_slice = _paired(results, baseline, drops, category) if baseline is not None and drops else {}
        for metric, t in rules.items():
            value = current.get(metric) if current else None
            verdicts += _checked(results, category, metric, t, value, base_slice.get(metric), gate.alpha)
    return GateReport(passed=all(v.passed for v in verdicts), verdicts=verdicts)
