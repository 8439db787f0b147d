"""Fit, calibrate and measure the abstain classifier (agent/abstain.py).

    DESKPILOT_DATA_DIR=... .venv/bin/python bench/abstain.py [--banking 300] [--precision 0.90] [--train-exclude banking_default] [--cache F.npz]

Needs a data dir holding collection ``default`` (acme KB) and ``rhdh`` (RHDH docs). Features
come from ``agent.nodes.retrieve.gather`` (what the graph computes). TUNE data:
in-scope = RHDH dev tune split (``split_by_group(seed=13)``) against ``rhdh`` + acme golden tune
cases with expected_behavior "answer" against ``default``; out-of-scope = a hash-sampled set of
BANKING77 queries against both collections, the RHDH tune questions against ``default`` and the
acme tune cases that should not be answered. BANKING77 against the acme KB is measured but not
trained on (``--train-exclude``): its "out of scope" labels are noisy ("Is there a fee for european
bank cards?" is half answered by the pricing guide), and with it the model learned "short payments
question = abstain" (19% of acme in-scope questions abstained). Logistic regression (balanced
classes, every group the same total weight within its class) on standardised features, Platt
scaling fitted on 5-fold out-of-fold scores, threshold = the lowest whose out-of-fold precision of
"answerable" on the tune data reaches ``--precision`` (0.90).
Writes agent/data/abstain.json (the model) and bench/results/abstain.json (+ a reliability PNG):
figures on the HELD-OUT splits only (RHDH held-out groups, acme hash >= 6, other BANKING77 rows).
About 4 min on 2 busy cores (two query embeddings per question; the sentence-level evidence,
which would embed every passage sentence, is deliberately not a feature).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any, cast

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import REPO, RESULTS, SHARED, write_result

ACME = REPO / "examples" / "acme" / "golden.jsonl"
RHDH = SHARED / "rhdh" / "golden_dev.jsonl"
MODEL_OUT = REPO / "agent" / "data" / "abstain.json"
Item = tuple[str, str, int, str]  # (question, collection, answerable, group)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def acme_heldout(case_id: str) -> bool:
    return int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % 10 >= 6


def banking(n_tune: int, n_held: int) -> tuple[list[str], list[str]]:
    with (SHARED / "banking77" / "train.csv").open(encoding="utf-8") as f:
        rows = sorted(
            {r["text"] for r in csv.DictReader(f)}, key=lambda t: hashlib.sha256(t.encode()).hexdigest()
        )
    return rows[:n_tune], rows[n_tune : n_tune + n_held]


def datasets(n_banking: int, n_banking_held: int) -> dict[str, list[Item]]:
    from retrieval.metrics import split_by_group

    rhdh_tune, rhdh_held = split_by_group(_jsonl(RHDH), tune_fraction=0.6, seed=13)
    acme = _jsonl(ACME)
    b_tune, b_held = banking(n_banking, n_banking_held)

    def acme_items(held: bool, answer: bool) -> list[Item]:
        return [
            (c["question"], "default", int(answer), c["id"])
            for c in acme
            if acme_heldout(c["id"]) == held and (c.get("expected_behavior", "answer") == "answer") == answer
        ]

    return {
        "tune:rhdh_in": [(d["question"], "rhdh", 1, "rhdh_in") for d in rhdh_tune],
        "tune:acme_in": acme_items(False, True),
        "tune:banking_rhdh": [(q, "rhdh", 0, "banking") for q in b_tune],
        "tune:banking_default": [(q, "default", 0, "banking") for q in b_tune],
        "tune:rhdh_on_acme": [(d["question"], "default", 0, "rhdh_on_acme") for d in rhdh_tune],
        "tune:acme_out": acme_items(False, False),
        "held:rhdh_in": [(d["question"], "rhdh", 1, "rhdh_in") for d in rhdh_held],
        "held:acme_in": acme_items(True, True),
        "held:acme_out": acme_items(True, False),
        "held:banking_rhdh": [(q, "rhdh", 0, "banking") for q in b_held],
        "held:banking_default": [(q, "default", 0, "banking") for q in b_held],
        "held:rhdh_on_acme": [(d["question"], "default", 0, "rhdh_on_acme") for d in rhdh_held],
    }


def featurise(items: list[Item], deps: Any, tenant: str) -> np.ndarray:
    from agent.abstain import FEATURES
    from agent.nodes.retrieve import gather

    rows = []
    for question, collection, _, _ in items:
        _, _, values = gather(deps, question, collection=collection, tenant=tenant, evidence=False)
        if values is None:
            raise SystemExit(f"no stored vectors for collection {collection!r}: is it ingested?")
        rows.append([values[f] for f in FEATURES])
    return np.asarray(rows, dtype=np.float64).reshape(len(items), len(FEATURES))


def group_weights(sets: dict[str, list[Item]], names: list[str]) -> np.ndarray:
    """Sample weights giving every training group the same total weight within its class, so the
    30 acme in-scope questions count as much as the 183 RHDH ones (else short acme questions look
    like BANKING77 queries and are abstained on)."""
    per_class: dict[int, list[str]] = {}
    for n in names:
        per_class.setdefault(sets[n][0][2], []).append(n)
    weights = []
    for n in names:
        group = per_class[sets[n][0][2]]
        total = sum(len(sets[m]) for m in group)
        weights += [total / (len(group) * len(sets[n]))] * len(sets[n])
    return np.asarray(weights)


def fit(
    x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None, seed: int = 13
) -> tuple[Any, Any, np.ndarray, np.ndarray]:
    """(scaler, logistic regression on all rows, out-of-fold decision values, Platt (a, b))."""
    w = np.ones(len(y)) if w is None else w
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    def model() -> Any:
        return LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)

    oof = np.zeros(len(y))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y):
        scaler = StandardScaler().fit(x[train])
        oof[test] = (
            model()
            .fit(scaler.transform(x[train]), y[train], sample_weight=w[train])
            .decision_function(scaler.transform(x[test]))
        )
    platt = LogisticRegression(C=1e6, max_iter=2000).fit(oof.reshape(-1, 1), y)
    scaler = StandardScaler().fit(x)
    final = model().fit(scaler.transform(x), y, sample_weight=w)
    return scaler, final, oof, np.array([platt.coef_[0][0], platt.intercept_[0]])


def pick_threshold(prob: np.ndarray, y: np.ndarray, precision: float) -> float:
    """Lowest threshold whose precision of "answerable" (p >= t) reaches ``precision``."""
    for t in np.round(np.arange(0.01, 1.0, 0.01), 2):
        kept = prob >= t
        if kept.sum() and y[kept].mean() >= precision:
            return float(t)
    return 0.99


def reliability(prob: np.ndarray, y: np.ndarray, bins: int = 10) -> dict[str, Any]:
    edges = np.linspace(0, 1, bins + 1)
    out, ece = [], 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (prob >= lo) & ((prob < hi) if hi < 1 else (prob <= hi))
        if not mask.any():
            out.append({"bin": [round(lo, 2), round(hi, 2)], "n": 0})
            continue
        conf, acc = float(prob[mask].mean()), float(y[mask].mean())
        ece += mask.sum() / len(y) * abs(conf - acc)
        out.append(
            {
                "bin": [round(lo, 2), round(hi, 2)],
                "n": int(mask.sum()),
                "mean_p": round(conf, 4),
                "answerable_rate": round(acc, 4),
            }
        )
    return {"bins": out, "ece": round(float(ece), 4)}


def plot(curves: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], ls="--", c="grey", lw=1)
    for name, rel in curves.items():
        pts = [(b["mean_p"], b["answerable_rate"]) for b in rel["bins"] if b["n"]]
        ax.plot(*zip(*pts, strict=True), marker="o", label=f"{name} (ECE {rel['ece']})")
    ax.set_xlabel("predicted P(answerable)")
    ax.set_ylabel("observed share answerable")
    ax.set_title("abstain classifier reliability")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--banking", type=int, default=300, help="BANKING77 tune sample (each collection)")
    parser.add_argument("--banking-heldout", type=int, default=150)
    parser.add_argument("--precision", type=float, default=0.90, help="precision of 'answerable' on tune")
    parser.add_argument("--cache", type=Path, default=None, help="npz of features: reused when it exists")
    parser.add_argument(
        "--train-exclude",
        default="banking_default",
        help="comma-separated tune groups measured but not trained on (default: BANKING77 against the acme "
        "KB, whose 'out of scope' labels are noisy: 'Is there a fee for european bank cards?')",
    )
    args = parser.parse_args()

    from agent.abstain import FEATURES, AbstainModel
    from agent.context import default_deps
    from agent.guard import check_injection
    from deskpilot.settings import get_settings
    from retrieval.embedder import get_embedder

    settings = get_settings().model_copy(update={"agent_abstain": "thresholds"})
    deps = default_deps(settings, triager=None, backend=cast(Any, None))
    sets = datasets(args.banking, args.banking_heldout)
    t0 = time.perf_counter()
    if args.cache is not None and args.cache.is_file():
        with np.load(args.cache) as cached:
            feats = {name: cached[name] for name in sets}
        if any(len(feats[n]) != len(sets[n]) for n in sets):
            raise SystemExit(f"{args.cache} was computed for other samples: delete it")
    else:
        feats = {name: featurise(items, deps, settings.tenant) for name, items in sets.items()}
        if args.cache is not None:
            np.savez(args.cache, **feats)
    featurise_s = time.perf_counter() - t0
    labels = {name: np.array([it[2] for it in items]) for name, items in sets.items()}
    excluded = {f"tune:{g}" for g in args.train_exclude.split(",") if g}
    tune = [n for n in sets if n.startswith("tune:") and n not in excluded]
    x, y = np.vstack([feats[n] for n in tune]), np.concatenate([labels[n] for n in tune])

    scaler, lr, oof, (a, b) = fit(x, y, group_weights(sets, tune))
    oof_prob = 1 / (1 + np.exp(-(a * oof + b)))
    threshold = pick_threshold(oof_prob, y, args.precision)
    model = AbstainModel(
        features=FEATURES,
        mean=tuple(float(v) for v in scaler.mean_),
        scale=tuple(float(v) for v in scaler.scale_),
        coef=tuple(float(v) for v in lr.coef_[0]),
        intercept=float(lr.intercept_[0]),
        platt_a=float(a),
        platt_b=float(b),
        threshold=threshold,
        retrieval_mode=settings.retrieval_mode,
        embedder=get_embedder().name.rsplit(":", 1)[0],  # any backend (torch, torch-int8) of this model
    )

    def prob(name: str) -> np.ndarray:
        return np.array([model.probability(dict(zip(FEATURES, row, strict=True))) for row in feats[name]])

    kept = oof_prob >= threshold
    summary = {
        "n_tune": {n: len(sets[n]) for n in tune},
        "target_precision_answerable": args.precision,
        "not_trained_on": sorted(excluded),
        "weights": "each group the same total weight within its class",
        "oof_precision": round(float(y[kept].mean()), 4) if kept.any() else None,
        "oof_recall": round(float(kept[y == 1].mean()), 4),
        "standardised_coef": dict(zip(FEATURES, (round(float(c), 3) for c in lr.coef_[0]), strict=True)),
    }
    MODEL_OUT.parent.mkdir(parents=True, exist_ok=True)
    MODEL_OUT.write_text(json.dumps({"model": model.to_dict(), "training": summary}, indent=2) + "\n")

    held = [n for n in sets if n.startswith("held:")]
    rates: dict[str, Any] = {}
    for name in held:
        p = prob(name)
        abstain = p < threshold
        rates[name] = {
            "n": len(p),
            "abstained": int(abstain.sum()),
            "abstain_rate": round(float(abstain.mean()), 4) if len(p) else None,
        }
    rhdh_held = sets["held:rhdh_in"]
    refused = [bool(check_injection(q).flagged) for q, *_ in rhdh_held]
    abstained = prob("held:rhdh_in") < threshold
    miss = [r or ab for r, ab in zip(refused, abstained, strict=True)]

    def cases(name: str) -> list[dict[str, Any]]:
        return [
            {
                "id": it[3],
                "question": it[0],
                "p_answerable": round(float(p), 4),
                "abstained": bool(p < threshold),
            }
            for it, p in zip(sets[name], prob(name), strict=True)
        ]

    per_case = cases("held:acme_out")
    hx = np.vstack([feats[n] for n in held])
    hy = np.concatenate([labels[n] for n in held])
    hp = np.concatenate([prob(n) for n in held])
    curves = {"tune (out-of-fold)": reliability(oof_prob, y), "held-out": reliability(hp, hy)}
    png = RESULTS / "abstain_reliability.png"
    RESULTS.mkdir(parents=True, exist_ok=True)
    plot(curves, png)
    write_result(
        "abstain",
        {
            "model_file": str(MODEL_OUT.relative_to(REPO)),
            "threshold": threshold,
            "training": summary,
            "reliability": curves,
            "reliability_png": str(png.relative_to(REPO)),
            "heldout": rates,
            "rhdh_heldout_in_scope": {
                "n": len(miss),
                "false_refusals": int(sum(refused)),
                "false_abstentions": int(abstained.sum()),
                "false_refusal_or_abstention_rate": round(sum(miss) / len(miss), 4),
                "missed": [q for (q, *_), m in zip(rhdh_held, miss, strict=True) if m][:20],
            },
            "acme_heldout_out_of_scope_per_case": per_case,
            "acme_tune_out_of_scope_per_case (trained on)": cases("tune:acme_out"),
            "acme_heldout_in_scope_abstained": [c for c in cases("held:acme_in") if c["abstained"]],
            "heldout_answerable_precision": round(float(hy[hp >= threshold].mean()), 4),
            "heldout_points": len(hx),
            "featurise_s": round(featurise_s, 1),
            "note": "abstention here is the retrieve step's decision only; a draft the grounding check "
            "rejects later is a separate abstention (answers side)",
        },
    )


if __name__ == "__main__":
    main()
