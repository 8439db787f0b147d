"""Multi-turn golden cases: the ``turns`` format (validated), the runner playing them on one thread
(real agent over the fixture KB, hashing embedder, LLM faked only via mock_response), per-turn
records, the ``followup`` slice beside unchanged single-turn metrics, the cache, and the bench's
scoring and split."""

import json
from pathlib import Path
from typing import Any

import pytest

from bench.conversations import score, split_of
from deskpilot.exceptions import UserInputError
from evals.config import build_config
from evals.conversations import FOLLOWUP_SLICE, right_guide, turn_cases
from evals.dataset import load_golden, parse_golden
from evals.records import CaseRecord, RetrievedContext
from evals.runner import run_eval, service_ask
from tests.fixtures.agent.support import agent_kb, agent_settings  # noqa: F401
from tests.fixtures.evals.support import GOLDEN, eval_service

CONV = {
    "id": "refund-then-fail",
    "category": "refunds",
    "turns": [
        {
            "question": "How long does a refund take to show up on my card?",
            "reference_answer": "5 to 10 business days.",
            "source_docs": ["refunds.md"],
        },
        {
            "question": "What if it fails?",
            "reference_answer": "It is returned.",
            "source_docs": ["refunds.md"],
        },
    ],
}


def _line(data: dict[str, Any]) -> str:
    return json.dumps(data)


def test_turns_are_validated_and_fill_the_single_case_fields() -> None:
    (case,) = parse_golden(_line(CONV))
    assert case.question == CONV["turns"][0]["question"] and case.source_docs == ["refunds.md"]
    assert [t.question for t in case.turns] == [t["question"] for t in CONV["turns"]]
    turns = turn_cases(case)
    assert [t.id for t in turns] == ["refund-then-fail#turn1", "refund-then-fail#turn2"]
    assert {t.extra["thread"] for t in turns} == {case.case_hash}
    assert [t.extra["turn"] for t in turns] == [1, 2] and turns[1].category == "refunds"
    bad_key = {**CONV, "turns": [CONV["turns"][0], {"question": "and?", "sources": ["x.md"]}]}
    with pytest.raises(UserInputError, match=r"x:1: .*turn 2: field 'sources'"):
        parse_golden(_line(bad_key), source="x")
    with pytest.raises(UserInputError, match="at least 2 turns"):
        parse_golden(_line({**CONV, "turns": [CONV["turns"][0]]}), source="x")
    bad_behavior = {**CONV, "turns": [CONV["turns"][0], {"question": "and?", "expected_behavior": "maybe"}]}
    with pytest.raises(UserInputError, match="expected_behavior"):
        parse_golden(_line(bad_behavior), source="x")
    # a single case hashes as before: the turns field is not added to it
    (single,) = parse_golden(GOLDEN.read_text().splitlines()[0])
    assert "turns" not in single.model_dump() and single.turns == []


def test_acme_conversations_file_is_valid() -> None:
    golden = load_golden(Path(__file__).resolve().parents[2] / "examples/acme/conversations.jsonl")
    assert len(golden.cases) >= 20
    assert all(len(c.turns) >= 2 and all(t.source_docs for t in c.turns) for c in golden.cases)


def test_runner_plays_turns_on_one_thread(agent_settings: Any, tmp_path: Path) -> None:  # noqa: F811
    data = tmp_path / "golden.jsonl"
    singles = GOLDEN.read_text().splitlines()[:2]
    data.write_text("\n".join([*singles, _line(CONV)]) + "\n")
    golden = load_golden(data)
    config = build_config(agent_settings)
    svc = eval_service(agent_settings, tmp_path)
    seen: list[str] = []

    def ask(case: Any) -> Any:
        seen.append(case.id)
        return service_ask(svc, config)(case)

    results = run_eval(golden, config, tmp_path / "run", ask=ask)
    ids = [r.id for r in results.per_case]
    assert ids[2:] == ["refund-then-fail#turn1", "refund-then-fail#turn2"] and len(ids) == 4
    follow = results.per_case[3]
    assert follow.turn == 2 and follow.ok
    # the follow-up reached the first turn's thread: it was searched with the refund topic
    assert follow.retrieved and follow.retrieved[0].source == "refunds.md"
    assert follow.query.startswith("What if it fails?") and "refund" in follow.query
    assert results.per_case[2].query == ""  # a first turn searches the question itself
    assert results.metrics["n_ok"] == 3.0  # the single cases and the first turn
    assert results.slices[FOLLOWUP_SLICE]["n"] == 1.0
    assert results.metrics["followup_n"] == 1.0
    assert results.metrics["followup_right_guide"] == float(right_guide(follow) or 0)
    # cached as a whole: a second run asks nothing
    seen.clear()
    again = run_eval(golden, config, tmp_path / "run", ask=ask)
    assert seen == [] and [r.id for r in again.per_case] == ids


def test_single_turn_datasets_get_no_followup_metrics(agent_settings: Any, tmp_path: Path) -> None:  # noqa: F811
    golden = load_golden(GOLDEN).limited(1)
    config = build_config(agent_settings)
    results = run_eval(
        golden, config, tmp_path / "run", ask=service_ask(eval_service(agent_settings, tmp_path), config)
    )
    assert "followup_right_guide" not in results.metrics and FOLLOWUP_SLICE not in results.slices


def _rec(cid: str, turn: int, cited: str, expected: str = "refunds.md", answer: str = "x") -> CaseRecord:
    return CaseRecord(
        id=f"{cid}#turn{turn}",
        case_hash="h",
        config_hash="c",
        question="q",
        reference_answer="",
        source_docs=[expected],
        category="refunds",
        answer=answer,
        citations=[cited] if cited else [],
        retrieved=[RetrievedContext(source="payouts.md", text="t")],
        turn=turn,
    )


def test_bench_scores_followups_per_split() -> None:
    tune = next(f"c{i}" for i in range(100) if split_of(f"c{i}") == "tune")
    held = next(f"c{i}" for i in range(100) if split_of(f"c{i}") == "heldout")
    recs = [
        _rec(tune, 1, "payouts.md"),  # first turns are not scored
        _rec(tune, 2, "refunds.md"),
        _rec(held, 2, "payouts.md"),
        _rec(held, 3, "", answer=""),  # not answered: wrong
        _rec(tune, 3, ""),  # answered without citations: the top retrieved source counts
    ]
    out = score(recs)
    assert out["all"] == {"n": 4, "right": 1, "share": 0.25}
    assert out["tune"]["n"] == 2 and out["tune"]["right"] == 1
    assert out["heldout"] == {"n": 2, "right": 0, "share": 0.0}
    assert out["missed"] == [f"{held}#turn2", f"{held}#turn3", f"{tune}#turn3"]
