"""Loading tickets and the CLI's handling of bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deskpilot.exceptions import UserInputError
from triage.data import load_labeled, load_texts

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "triage"


def test_csv_with_priority_column() -> None:
    data = load_labeled(FIX / "tickets.csv")
    assert len(data.texts) == len(data.labels) == 41
    assert data.priorities is not None and set(data.priorities) <= {"P1", "P2", "P3", "P4"}
    assert len(data.source_hash) == 64


def test_jsonl_with_custom_columns() -> None:
    data = load_labeled(FIX / "tickets.jsonl", text_col="body", label_col="queue")
    assert data.labels[0] == "billing" and "charged twice" in data.texts[0]
    assert data.priorities is None


def test_missing_column_names_it() -> None:
    with pytest.raises(UserInputError, match="'category'"):
        load_labeled(FIX / "tickets.jsonl", text_col="body")
    with pytest.raises(UserInputError, match="'subject'"):
        load_texts(FIX / "tickets.csv", "subject")


def test_cli_train_missing_column_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "triage",
            "train",
            "--data",
            str(FIX / "tickets.csv"),
            "--out",
            str(tmp_path / "m"),
            "--label-col",
            "team",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "missing column 'team'" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m").exists()


def test_cli_predict_without_model_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "triage",
            "predict",
            "--model",
            str(tmp_path),
            "--data",
            str(FIX / "tickets.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "no triage model" in proc.stderr
