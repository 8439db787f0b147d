"""Triage with the real MiniLM embedder: zero-shot without data, trained model via settings and CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from deskpilot.exceptions import ConfigError
from deskpilot.settings import get_settings
from triage import get_triager

pytestmark = pytest.mark.integration

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "triage"


def test_zero_shot_works_with_no_training_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKPILOT_TRIAGE_QUEUES_FILE", str(FIX / "queues.yaml"))
    get_settings.cache_clear()
    triager = get_triager()
    assert triager.model_version.startswith("zeroshot-")
    res = triager.predict_many(
        [
            "I think my account was hacked, there are payments I did not make",
            "Please send me last month's invoice",
            "",
        ]
    )
    assert res[0].queue == "fraud" and res[0].priority == "P1"
    assert res[1].queue == "billing"
    assert res[2].needs_human and res[2].queue is None
    assert res[0].language == "en"


def test_no_model_and_no_queues_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="triage train"):
        get_triager()


def test_cli_train_then_settings_load_the_model(tmp_path: Path) -> None:
    out = get_settings().data_dir / "triage"  # the default model location
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
            str(out),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert "embed" in report["features"]
    assert "account_closure" in proc.stderr  # singleton warned
    triager = get_triager()
    assert triager.model_version == report["model_version"]
    assert triager.predict("my debit card was declined at the supermarket").queue == "cards"

    pred = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "triage",
            "predict",
            "--model",
            str(out),
            "--data",
            str(FIX / "tickets.jsonl"),
            "--text-col",
            "body",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pred.returncode == 0, pred.stderr
    lines = [json.loads(x) for x in pred.stdout.splitlines()]
    assert len(lines) == 41 and set(lines[0]) == {"text", "label", "confidence", "needs_human"}
    ev = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "triage",
            "eval",
            "--model",
            str(out),
            "--data",
            str(FIX / "tickets.csv"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ev.returncode == 0, ev.stderr
    assert json.loads(ev.stdout)["accuracy"] > 0.8  # training data: a sanity check, not a score
