"""The condense node in the compiled graph: a follow-up is searched with the topic of the turn before
it, a new topic as typed; the hosted-model path uses the condense prompt (LiteLLM mock_response) and
prior turns reach the answer prompt within the run's token budget. Real retrieval over the tiny
fixture KB, the unit tier's hashing embedder."""

from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from agent.nodes.condense import prior_turns
from deskpilot.runconfig import RunConfig
from tests.fixtures.agent import support
from tests.fixtures.agent.support import TENANT, make_service

agent_kb = support.agent_kb  # shared fixtures
agent_settings = support.agent_settings

FIRST = "How long does a refund take to show up on my card?"
FOLLOWUP = "What if it fails?"  # alone, "fails" is the payouts guide's word


def _run(settings: Any, **changes: Any) -> RunConfig:
    return RunConfig.from_settings(settings).with_overrides(agent_generation="never", **changes)


def _thread(svc: Any, run: RunConfig, second: str) -> tuple[Any, dict[str, Any]]:
    r1 = svc.ask(FIRST, tenant=TENANT, run=run)
    assert r1.retrieved and r1.retrieved[0].source == "refunds.md"
    r2 = svc.ask(second, thread_id=r1.thread_id, tenant=TENANT, run=run)
    values = svc.graph.get_state({"configurable": {"thread_id": r1.thread_id}}).values
    return r2, values


def test_followup_is_searched_with_the_previous_topic(agent_settings: Any, tmp_path: Path) -> None:
    svc = make_service(agent_settings, tmp_path)
    alone = svc.ask(FOLLOWUP, tenant=TENANT, run=_run(agent_settings))
    assert alone.retrieved[0].source == "payouts.md"  # what the follow-up finds on its own
    r2, values = _thread(svc, _run(agent_settings, agent_condense="rules"), FOLLOWUP)
    assert values["followup"] is True
    assert values["query"].startswith(FOLLOWUP) and "refund" in values["query"]
    assert values["question"] == FOLLOWUP  # the user's own words stay the question
    assert r2.retrieved[0].source == "refunds.md" and r2.query == values["query"]
    r3 = svc.ask("What are my charges? I'm alice@example.com", thread_id=r2.thread_id, tenant=TENANT)
    assert r3.route == "tool" and r3.query == ""  # a turn without retrieval searched nothing


def test_condense_off_searches_the_followup_alone(agent_settings: Any, tmp_path: Path) -> None:
    svc = make_service(agent_settings, tmp_path)
    r2, values = _thread(svc, _run(agent_settings, agent_condense="off"), FOLLOWUP)
    assert values["followup"] is False and values["query"] == FOLLOWUP
    assert r2.retrieved[0].source == "payouts.md"


def test_a_new_topic_is_not_polluted_by_the_thread(agent_settings: Any, tmp_path: Path) -> None:
    svc = make_service(agent_settings, tmp_path)
    new = "How do I rotate a secret API key?"
    r2, values = _thread(svc, _run(agent_settings, agent_condense="rules"), new)
    assert values["followup"] is False and values["query"] == new
    assert r2.retrieved[0].source == "api-keys.md"
    assert all(h.source != "refunds.md" for h in r2.retrieved[:1])


def test_hosted_model_condenses_with_the_prompt(agent_settings: Any, tmp_path: Path) -> None:
    rewritten = "What happens if a refund to the customer's card fails?"
    svc = make_service(agent_settings, tmp_path, llm_overrides={"condense": {"mock_response": rewritten}})
    run = _run(agent_settings, agent_condense="llm")
    r2, values = _thread(svc, run, FOLLOWUP)
    assert values["query"] == rewritten and values["followup"] is True
    assert "condense@v1" in values["prompt_refs"]
    assert values["usage"]["llm_calls"] >= 1
    assert r2.retrieved[0].source == "refunds.md"


def test_hosted_condense_failure_falls_back_to_the_rules(agent_settings: Any, tmp_path: Path) -> None:
    import litellm

    svc = make_service(
        agent_settings,
        tmp_path,
        llm_overrides={"condense": {"mock_response": litellm.Timeout("slow", model="m", llm_provider="p")}},
    )
    r2, values = _thread(svc, _run(agent_settings, agent_condense="llm", llm_retries=0), FOLLOWUP)
    assert "refund" in values["query"] and "condense@v1" not in values.get("prompt_refs", [])
    assert r2.retrieved[0].source == "refunds.md"


def test_prior_turns_fit_the_runs_token_budget(agent_settings: Any) -> None:
    long_answer = "Refunds take 5 to 10 business days to appear [1]. " * 20
    state: Any = {
        "messages": [
            HumanMessage(content="First question about payouts?"),
            AIMessage(content="Payouts are daily [1]."),
            HumanMessage(content=FIRST),
            AIMessage(content=long_answer),
            HumanMessage(content=FOLLOWUP),
        ]
    }
    big = _run(agent_settings, agent_history_tokens=2000)
    assert [m["content"] for m in prior_turns(big, state)][::2] == ["First question about payouts?", FIRST]
    small = _run(agent_settings, agent_history_tokens=300)  # the long last turn alone is over 300
    assert prior_turns(small, state) == []
    assert prior_turns(_run(agent_settings, agent_history_tokens=0), state) == []


class _Prompts:
    """Records the messages of every LiteLLM call (LiteLLM's own callback API, at its boundary)."""

    def __init__(self) -> None:
        from litellm.integrations.custom_logger import CustomLogger

        seen: list[list[dict[str, Any]]] = []

        class Logger(CustomLogger):
            def log_pre_api_call(self, model: Any, messages: Any, kwargs: Any) -> None:
                seen.append(list(messages))

        self.seen, self.logger = seen, Logger()

    def answers(self) -> list[list[dict[str, Any]]]:
        return [m for m in self.seen if "numbered passages" in str(m[0].get("content", ""))]


@pytest.mark.parametrize("budget", [2000, 0])
def test_prior_turns_reach_the_answer_prompt(
    agent_settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    import litellm

    prompts = _Prompts()
    monkeypatch.setattr(litellm, "callbacks", [prompts.logger])
    good = "Refunds take 5 to 10 business days to appear on the customer's card statement [1]."
    svc = make_service(agent_settings, tmp_path, llm_overrides={"draft": {"mock_response": good}})
    run = RunConfig.from_settings(agent_settings).with_overrides(  # always draft (hashing embedder)
        agent_generation="always",
        agent_history_tokens=budget,
        agent_abstain="thresholds",
        agent_min_evidence=0.0,
        agent_min_coverage=0.0,
    )
    r1 = svc.ask(FIRST, tenant=TENANT, run=run)
    svc.ask(FOLLOWUP, thread_id=r1.thread_id, tenant=TENANT, run=run)
    first, second = prompts.answers()[-2:]
    assert [m["role"] for m in first] == ["system", "user"]
    if budget:
        assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
        answer = svc.history(r1.thread_id, tenant=TENANT)[1]["content"]
        assert second[1]["content"] == FIRST and second[2]["content"] == answer and answer
    else:
        assert [m["role"] for m in second] == ["system", "user"]
    assert FOLLOWUP in second[-1]["content"]  # the user's own words are the question answered
