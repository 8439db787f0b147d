"""Named run configurations per chat request (settings ``run_variants``): the arm of an experiment
answers with its own run, an unknown name is a 400 before any work, a bad file fails the start."""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

from pathlib import Path
from typing import Any

import pytest

from deskpilot.exceptions import UserInputError
from tests.fixtures.api.support import Q_REFUND, agent_kb, agent_settings, make_api  # noqa: F401
from tests.unit.test_api_cli import run as cli


def _strict(tmp_path: Path) -> Path:
    # no evidence can reach 2.0: this run always declines, whatever the default run does
    path = tmp_path / "strict.yaml"
    path.write_text("agent_abstain: thresholds\nagent_min_evidence: 2.0\n", encoding="utf-8")
    return path


@pytest.mark.integration  # the default run must answer: evidence thresholds are calibrated on MiniLM
def test_a_request_answers_with_the_run_it_names(make_api: Any, tmp_path: Path) -> None:
    api = make_api(run_variants={"strict": _strict(tmp_path)})
    default = api.client.post("/v1/chat", json={"message": Q_REFUND, "stream": False}, headers=api.auth())
    strict = api.client.post(
        "/v1/chat", json={"message": Q_REFUND, "stream": False, "run": "strict"}, headers=api.auth()
    )
    assert default.status_code == strict.status_code == 200
    d, s = default.json(), strict.json()
    assert d["run"] == "default" and s["run"] == "strict"
    assert not d["escalated"] and "5 to 10 business days" in d["answer"]
    assert s["escalated"] and "5 to 10 business days" not in s["answer"]


def test_an_unknown_run_is_a_404_and_opens_no_thread(make_api: Any, tmp_path: Path) -> None:
    api = make_api(run_variants={"strict": _strict(tmp_path)})
    r = api.client.post("/v1/chat", json={"message": Q_REFUND, "run": "nope"}, headers=api.auth())
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "unknown_run" and "strict" in error["message"]
    assert api.client.get("/v1/threads", headers=api.auth()).json()["threads"] == []


def test_a_bad_run_file_fails_the_app_start(make_api: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("retrieval_kk: 3\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="unknown keys"):
        make_api(run_variants={"b": bad})


def test_cli_ask_with_a_missing_run_file_exits_2(tmp_path: Path, capsys: Any) -> None:
    assert cli(["ask", "refund?", "--run", str(tmp_path / "missing.yaml")]) == 2
    assert "run configuration not found" in capsys.readouterr().err
