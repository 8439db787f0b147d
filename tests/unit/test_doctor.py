from pathlib import Path

import pytest

from cli.main import main


def test_doctor_reports_each_check_and_fails_on_a_missing_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DESKPILOT_LOCAL_MODEL_PATH", str(tmp_path / "missing.gguf"))
    with pytest.raises(SystemExit) as exc:
        main(["doctor"])
    assert exc.value.code == 1
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[1] for line in lines]
    assert names[:2] == ["model", "llama.cpp"]
    assert lines[0].startswith("FAIL  model file")
    assert any(line.startswith("ok    data dir") for line in lines)
    assert any(line.startswith("ok    database") for line in lines)
