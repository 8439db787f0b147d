"""``deskpilot triage train | predict | eval``."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import typer

from deskpilot.exceptions import UserInputError

app = typer.Typer(help="Ticket triage: train, predict, eval.", no_args_is_help=True)

DataOpt = typer.Option(..., "--data", help="CSV or JSONL file of tickets")


def _check_range(name: str, value: float) -> None:
    if not 0.0 < value < 1.0:
        raise UserInputError(f"{name} must be between 0 and 1, got {value}")


@app.command("train")
def train(
    data: Path = DataOpt,
    out: Path = typer.Option(..., "--out", help="directory for the model artifacts"),
    text_col: str = typer.Option("text", "--text-col"),
    label_col: str = typer.Option("category", "--label-col"),
    priority_col: str | None = typer.Option(None, "--priority-col", help="default: 'priority' if present"),
    target_precision: float = typer.Option(0.9, "--target-precision", help="auto-route above this precision"),
    seed: int = typer.Option(0, "--seed"),
    no_embed: bool = typer.Option(False, "--no-embed", help="TF-IDF only (no MiniLM)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Train a triage model from CSV/JSONL; prints metrics on a held-out split."""
    from triage.data import load_labeled
    from triage.features import FeatureConfig
    from triage.train import SingletonLabelWarning, TrainConfig, train_model

    _check_range("--target-precision", target_precision)
    labeled = load_labeled(data, text_col=text_col, label_col=label_col, priority_col=priority_col)
    cfg = TrainConfig(
        seed=seed, target_precision=target_precision, features=FeatureConfig(embed=not no_embed)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SingletonLabelWarning)
        model, report = train_model(labeled, cfg)
    for w in caught:
        typer.echo(f"warning: {w.message}", err=True)
    model.save(out, report)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    v = report.validation
    typer.echo(
        f"trained {report.model_version} on {report.n_train} tickets, {len(report.labels)} queues "
        f"in {report.train_seconds:.1f}s → {out}"
    )
    typer.echo(
        f"held-out n={v.n}: accuracy {v.accuracy:.3f}  macro-F1 {v.macro_f1:.3f}  ECE {v.ece:.3f}  "
        f"threshold {report.threshold:.3f} → coverage {v.coverage:.3f} at precision {v.precision_at_threshold:.3f}"
    )


@app.command("predict")
def predict(
    model: Path = typer.Option(..., "--model", help="model directory from `triage train`"),
    data: Path = DataOpt,
    text_col: str = typer.Option("text", "--text-col"),
    as_json: bool = typer.Option(False, "--json", help="full TriageResult per line"),
) -> None:
    """Classify tickets: one JSON object per line."""
    from triage.data import load_texts
    from triage.model import is_model_dir, load_model
    from triage.triager import Triager

    if not is_model_dir(model):
        raise UserInputError(f"no triage model in {model}")
    texts, _ = load_texts(data, text_col)
    triager = Triager(load_model(model))
    for text, res in zip(texts, triager.predict_many(texts), strict=True):
        row = {
            "text": text,
            "label": res.queue,
            "confidence": round(res.confidence, 4),
            "needs_human": res.needs_human,
        }
        if as_json:
            row |= res.model_dump(exclude={"queue", "confidence", "needs_human"})
        typer.echo(json.dumps(row, ensure_ascii=False))


@app.command("eval")
def evaluate(
    model: Path = typer.Option(..., "--model"),
    data: Path = DataOpt,
    text_col: str = typer.Option("text", "--text-col"),
    label_col: str = typer.Option("category", "--label-col"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Accuracy, macro-F1, ECE, coverage at the model's threshold, confusion matrix."""
    from triage.data import load_labeled
    from triage.evaluate import evaluate_model
    from triage.model import is_model_dir, load_model

    if not is_model_dir(model):
        raise UserInputError(f"no triage model in {model}")
    labeled = load_labeled(data, text_col=text_col, label_col=label_col)
    metrics = evaluate_model(load_model(model), labeled.texts, labeled.labels)
    if as_json:
        typer.echo(metrics.model_dump_json(indent=2))
        return
    typer.echo(
        f"n={metrics.n}  accuracy {metrics.accuracy:.3f}  macro-F1 {metrics.macro_f1:.3f}  ECE {metrics.ece:.3f}  "
        f"coverage {metrics.coverage:.3f} at precision {metrics.precision_at_threshold:.3f}"
    )
    width = max(len(lbl) for lbl in metrics.labels)
    typer.echo("confusion (rows = true, columns = predicted, same order):")
    for lbl, row in zip(metrics.labels, metrics.confusion, strict=True):
        typer.echo(f"  {lbl:<{width}}  " + " ".join(f"{c:>3d}" for c in row))
