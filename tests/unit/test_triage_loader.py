"""Which triager the settings build: explicit configuration beats the data dir's default model."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskpilot.settings import Settings
from triage import loader
from triage.model import MODEL_FILE
from triage.zeroshot import ZeroShotClassifier

QUEUES = Path(__file__).resolve().parents[1] / "fixtures" / "evals" / "queues.yaml"


def _fake_model_dir(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / MODEL_FILE).write_bytes(b"not a model")
    (path / "version.json").write_text("{}")
    return path


def test_explicit_queues_file_beats_the_default_model_dir(tmp_path: Path) -> None:
    _fake_model_dir(tmp_path / "data" / "triage")  # e.g. the acme model `make demo` trained
    s = Settings(data_dir=tmp_path / "data", triage_queues_file=QUEUES)
    triager = loader.build_triager(s)
    assert isinstance(triager.classifier, ZeroShotClassifier)


def test_default_model_dir_is_used_without_a_queues_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model_dir = _fake_model_dir(tmp_path / "data" / "triage")
    loaded: list[Path] = []

    def fake_load(path: Path) -> object:
        loaded.append(path)
        raise RuntimeError("stop here")

    monkeypatch.setattr(loader, "load_model", fake_load)
    with pytest.raises(RuntimeError, match="stop here"):
        loader.build_triager(Settings(data_dir=tmp_path / "data"))
    assert loaded == [model_dir]


def test_an_explicit_model_dir_beats_the_queues_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model_dir = _fake_model_dir(tmp_path / "elsewhere")
    loaded: list[Path] = []

    def fake_load(path: Path) -> object:
        loaded.append(path)
        raise RuntimeError("stop here")

    monkeypatch.setattr(loader, "load_model", fake_load)
    with pytest.raises(RuntimeError, match="stop here"):
        loader.build_triager(
            Settings(data_dir=tmp_path / "data", triage_model_dir=model_dir, triage_queues_file=QUEUES)
        )
    assert loaded == [model_dir]
