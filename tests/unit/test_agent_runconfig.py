"""Two requests with different run configurations in ONE process (one AgentService): each uses
its own model, its own prompt version and its own k. The model is faked at the LiteLLM boundary
(a recorder around ``litellm.completion`` that answers with ``mock_response``); search is a
recording fake; prompts come from a temporary folder holding two versions of ``answer``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import litellm
import pytest

from deskpilot import prompts
from deskpilot.settings import Settings
from tests.fixtures.agent.support import TENANT, make_service

TIMING = (
    "Refunds are sent back to the original payment method. A refund takes 5 to 10 business days to "
    "appear on the customer's card statement. Refunds for bank debits take up to 7 business days."
)
HITS = [
    {"id": f"c{i}", "source": "refunds.md", "title": "Refunding a payment", "heading": "Refund timing",
     "text": TIMING if i == 0 else f"Partial refunds note {i}: you can refund part of a charge.", "score": 1.0 - i / 10}
    for i in range(8)
]  # fmt: skip
V2_MARKER = "ANSWER-PROMPT-V2"


@pytest.fixture
def two_answer_prompts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped prompts plus ``answer.v2.md`` (v1 with a marker line) in a temporary folder."""
    folder = tmp_path / "prompts"
    shutil.copytree(
        Path(str(prompts.PROMPTS_DIR)), folder, ignore=shutil.ignore_patterns("*.py", "__pycache__")
    )
    v1 = (folder / "answer.v1.md").read_text(encoding="utf-8")
    v2 = v1.replace("version: 1", "version: 2", 1).replace("===user===", f"{V2_MARKER}\n===user===", 1)
    assert v2 != v1 and V2_MARKER in v2
    (folder / "answer.v2.md").write_text(v2, encoding="utf-8")
    monkeypatch.setattr(prompts, "PROMPTS_DIR", folder)
    prompts._load_prompt.cache_clear()
    yield folder
    prompts._load_prompt.cache_clear()


@pytest.fixture
def model_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every ``litellm.completion`` call (model and messages); the reply names the model."""
    calls: list[dict[str, Any]] = []
    real = litellm.completion

    def recording(*, model: str, messages: list[dict[str, Any]], **kwargs: Any) -> Any:
        calls.append({"model": model, "messages": messages, "max_tokens": kwargs.get("max_tokens")})
        kwargs.pop("fallbacks", None)
        reply = "A refund takes 5 to 10 business days to appear on the customer's card statement [1]."
        return real(model=model, messages=messages, mock_response=reply, **kwargs)

    monkeypatch.setattr(litellm, "completion", recording)
    return calls


def test_two_runs_in_one_service_use_their_own_model_prompt_and_k(
    tmp_path: Path, two_answer_prompts: Path, model_calls: list[dict[str, Any]]
) -> None:
    searched: list[dict[str, Any]] = []

    def search(query: str, **kwargs: Any) -> list[dict[str, Any]]:
        searched.append(kwargs)
        return HITS[: kwargs["k"]]

    settings = Settings(
        data_dir=tmp_path / "data",
        llm_model="openai/model-a",
        agent_generation="always",
        agent_abstain="thresholds",
        agent_min_evidence=0.0,
        agent_min_coverage=0.0,
        guard_llm_check=False,
        guard_similarity=False,
    )
    svc = make_service(settings, tmp_path, search=search)
    base = svc.run
    assert base.llm_model == "openai/model-a" and base.prompt_versions["answer"] == 2  # newest by default
    run_a = base.with_overrides(retrieval_k=3, prompt_versions={"answer": 1})
    run_b = base.with_overrides(llm_model="openai/model-b", retrieval_k=5, agent_draft_max_tokens=77)
    assert run_a.config_hash != run_b.config_hash

    question = "How long does a refund take to appear on my card?"
    first = svc.ask(question, tenant=TENANT, run=run_a)
    calls_a, model_calls[:] = list(model_calls), []
    second = svc.ask(question, tenant=TENANT, run=run_b)
    calls_b = list(model_calls)

    # k: each run searched with its own
    assert [c["k"] for c in searched] == [3, 5]
    assert len(first.retrieved) == 3 and len(second.retrieved) == 5
    # model: every model call of a request went to that request's model
    assert calls_a and {c["model"] for c in calls_a} == {"openai/model-a"}
    assert calls_b and {c["model"] for c in calls_b} == {"openai/model-b"}
    # prompt: the answer prompt of each run is the version it pins, and that is what is recorded
    answer_a = [c for c in calls_a if "business days" in str(c["messages"]) and c["max_tokens"] != 77]
    answer_b = [c for c in calls_b if c["max_tokens"] == 77]  # the draft call, at run_b's draft budget
    assert answer_a and not any(V2_MARKER in str(c["messages"]) for c in calls_a)
    assert answer_b and V2_MARKER in str(answer_b[0]["messages"])
    assert "answer@v1" in first.prompt_version.split(",") and "answer@v2" not in first.prompt_version
    assert "answer@v2" in second.prompt_version.split(",") and "answer@v1" not in second.prompt_version
    # the default run of the service is untouched by either request
    assert svc.run == base


def test_a_ticket_takes_its_run_too(tmp_path: Path, model_calls: list[dict[str, Any]]) -> None:
    searched: list[int] = []

    def search(query: str, **kwargs: Any) -> list[dict[str, Any]]:
        searched.append(kwargs["k"])
        return HITS[: kwargs["k"]]

    settings = Settings(data_dir=tmp_path / "data", agent_generation="never", guard_similarity=False)
    svc = make_service(settings, tmp_path, search=search)
    svc.assist_ticket("Refund timing", "How long does a refund take to appear on my card?", tenant=TENANT,
                      run=svc.run.with_overrides(retrieval_k=2))  # fmt: skip
    svc.assist_ticket("Refund timing", "How long does a refund take?", tenant=TENANT)
    assert searched == [2, settings.retrieval_k]
    assert model_calls == []  # composed answers with the local model: no model call at all


def test_the_run_configuration_file_sets_the_service_default_run(tmp_path: Path) -> None:
    """``DESKPILOT_RUN_CONFIG_FILE`` (settings.run_config_file) is applied where the entry point
    builds the agent, and a search then uses its k."""
    searched: list[int] = []

    def search(query: str, **kwargs: Any) -> list[dict[str, Any]]:
        searched.append(kwargs["k"])
        return HITS[: kwargs["k"]]

    variant = tmp_path / "variant.yaml"
    variant.write_text("retrieval_k: 4\nagent_company: Variant Pay\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", run_config_file=variant, guard_similarity=False)
    svc = make_service(settings, tmp_path, search=search)
    assert (svc.run.retrieval_k, svc.run.agent_company) == (4, "Variant Pay")
    svc.ask("How long does a refund take to appear on my card?", tenant=TENANT)
    assert searched == [4]
    assert "Variant Pay" in svc.ask("hello", tenant=TENANT).answer  # small talk names the run's company
