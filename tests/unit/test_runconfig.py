"""RunConfig: built from settings, hashed over everything that shapes an answer, loaded from YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskpilot.exceptions import UserInputError
from deskpilot.prompts import prompt_versions
from deskpilot.runconfig import RunConfig, build_run_config
from deskpilot.settings import Settings


def test_from_settings_copies_the_answer_settings_and_pins_every_prompt() -> None:
    s = Settings(llm_model="openai/x", retrieval_k=9, agent_min_evidence=0.7, guard_llm_check=False)
    run = RunConfig.from_settings(s)
    assert (run.llm_model, run.retrieval_k, run.agent_min_evidence, run.guard_llm_check) == (
        "openai/x", 9, 0.7, False
    )  # fmt: skip
    assert run.prompt_versions == prompt_versions()  # complete: what runs is what is recorded
    with pytest.raises(Exception, match="frozen"):
        run.retrieval_k = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "change",
    [
        {"guard_similarity": False},
        {"guard_llm_check": False},
        {"guard_similarity_threshold": 0.5},
        {"llm_model": "openai/y"},
        {"retrieval_k": 7},
        {"agent_min_evidence": 0.41},
    ],
)
def test_config_hash_changes_with_any_answer_setting(change: dict[str, object]) -> None:
    run = RunConfig.from_settings(Settings())
    assert run.config_hash == RunConfig.from_settings(Settings()).config_hash  # stable
    other = run.with_overrides(**change)
    assert other.config_hash != run.config_hash and len(other.config_hash) == 64
    assert hash(other) != hash(run)


def test_yaml_file_overrides_and_rejects_unknown_keys(tmp_path: Path) -> None:
    base = RunConfig.from_settings(Settings())
    good = tmp_path / "variant.yaml"
    good.write_text("retrieval_k: 4\nretrieval_mode: dense\nprompt_versions: {answer: 1}\n", encoding="utf-8")
    run = RunConfig.from_yaml(good, base)
    assert (run.retrieval_k, run.retrieval_mode, run.prompt_versions["answer"]) == (4, "dense", 1)
    assert run.llm_model == base.llm_model
    bad = tmp_path / "bad.yaml"
    bad.write_text("retrieval_k: 4\nretreival_mode: dense\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="retreival_mode"):
        RunConfig.from_yaml(bad, base)
    wrong_type = tmp_path / "wrong.yaml"
    wrong_type.write_text("retrieval_mode: fuzzy\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="retrieval_mode"):
        RunConfig.from_yaml(wrong_type, base)
    settings = Settings(run_config_file=good)
    assert build_run_config(settings).retrieval_k == 4


def test_unknown_prompt_or_version_is_a_clear_error() -> None:
    run = RunConfig.from_settings(Settings())
    with pytest.raises(UserInputError, match="no version 99"):
        run.with_overrides(prompt_versions={"answer": 99})
    with pytest.raises(UserInputError, match="no prompt named"):
        run.with_overrides(prompt_versions={"nope": 1})


def test_enum_like_settings_are_typed() -> None:
    with pytest.raises(ValueError, match="retrieval_mode"):
        Settings(retrieval_mode="fuzzy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="queue_backend"):
        Settings(queue_backend="kafka")  # type: ignore[arg-type]
