"""The abstain classifier: features, the model file, the retrieve/after_retrieve decision, and the
graph recording P(answerable)."""

import json
import math
from pathlib import Path
from typing import Any, cast

import pytest
from pydantic import ValidationError

from agent.abstain import FEATURES, RRF_K, AbstainModel, features, load_model
from agent.context import AgentDeps
from agent.nodes.retrieve import make_after_retrieve
from deskpilot.settings import Settings
from tests.fixtures.agent import support
from tests.fixtures.agent.support import TENANT, make_service

agent_kb = support.agent_kb
agent_settings = support.agent_settings

BOTH_FIRST = 2 / (RRF_K + 1)  # ranked first by the dense and the sparse search
DENSE_ONLY = 1 / (RRF_K + 3)


def _hit(score: float, text: str = "refunds take five business days") -> dict[str, Any]:
    return {"id": str(score), "text": text, "score": score}


def test_features_from_fused_scores_and_vocabulary() -> None:
    hits = [
        _hit(BOTH_FIRST, "Refunds take five business days. Payouts are weekly."),
        _hit(1 / (RRF_K + 2) + 1 / (RRF_K + 5)),
        _hit(DENSE_ONLY),
    ]
    doc_freq = ({"refund": 3, "day": 2, "card": 1, "take": 5}, 10)
    question = "How many days does a refund to my card take on PayPal?"
    values = features(question, hits, dense=0.6, centroid=0.45, coverage=0.5, doc_freq=doc_freq)
    assert set(values) == set(FEATURES)
    assert values["top1"] == pytest.approx(1.0) and 0 < values["margin"] < 0.2
    assert values["specific"] == pytest.approx(0.15)
    assert values["unknown"] > 0  # "paypal" and "many" are not in the collection
    assert 0 < values["sentence"] < 1  # the best sentence lacks "card" and "paypal"
    known = features("refund card day", hits, dense=0.6, centroid=0.2, coverage=1.0, doc_freq=doc_freq)
    assert known["unknown"] == 0.0 and known["length"] == pytest.approx(math.log1p(3))
    assert features("anything", [], dense=0.0, centroid=0.0, coverage=0.0, doc_freq=None)["top1"] == 0.0


def _model(threshold: float = 0.5, **update: Any) -> AbstainModel:
    n = len(FEATURES)
    coef = [0.0] * n
    coef[FEATURES.index("dense")] = 4.0
    data = {
        "features": list(FEATURES),
        "mean": [0.5] * n,
        "scale": [0.1] * n,
        "coef": coef,
        "intercept": 0.0,
        "platt_a": 1.0,
        "platt_b": 0.0,
        "threshold": threshold,
    } | update
    return AbstainModel.from_dict(data)


def test_model_probability_is_monotone_and_round_trips() -> None:
    model = _model()
    base = dict.fromkeys(FEATURES, 0.5)
    assert model.probability(base) == pytest.approx(0.5)
    assert model.probability(base | {"dense": 0.3}) < 0.01 < 0.99 < model.probability(base | {"dense": 0.7})
    assert AbstainModel.from_dict(model.to_dict()) == model
    with pytest.raises(ValueError, match="unknown features"):
        AbstainModel.from_dict(model.to_dict() | {"features": [*FEATURES[:-1], "vibes"]})
    with pytest.raises(ValueError, match="one value per feature"):
        AbstainModel.from_dict(model.to_dict() | {"coef": [1.0]})


def test_shipped_model_loads_and_weighs_passage_similarity_up() -> None:
    model = load_model()
    assert model is not None, "agent/data/abstain.json missing: run bench/abstain.py"
    assert model.features == FEATURES and 0.0 < model.threshold < 1.0
    assert model.fits(model.embedder + ":torch-int8") and not model.fits("fake-hashing-ngrams:256")
    coef = dict(zip(model.features, model.coef, strict=True))
    assert coef["dense"] > 0 and coef["specific"] + coef["dense"] > 0
    assert load_model(Path("/nonexistent/abstain.json")) is None


def _deps(settings: Settings) -> AgentDeps:
    return AgentDeps(
        search=lambda *a, **k: [], backend=cast(Any, None), grounder=cast(Any, None), settings=settings
    )


def test_after_retrieve_uses_the_classifier_threshold_or_the_old_rule(tmp_path: Path) -> None:
    path = tmp_path / "abstain.json"
    path.write_text(json.dumps({"model": _model(threshold=0.7).to_dict()}))
    settings = Settings(agent_abstain_model=path)
    decide = make_after_retrieve(_deps(settings))
    hit = [_hit(BOTH_FIRST)]
    # weak evidence by the old thresholds, but the classifier is confident: it drafts
    assert decide({"retrieved": hit, "answerable": 0.8, "evidence": 0.1, "coverage": 0.1}) == "draft"
    assert decide({"retrieved": hit, "answerable": 0.6, "evidence": 0.9, "coverage": 0.9}) == "escalate"
    assert decide({"retrieved": [], "answerable": 0.99}) == "escalate"
    old = make_after_retrieve(_deps(settings.model_copy(update={"agent_abstain": "thresholds"})))
    assert old({"retrieved": hit, "answerable": 0.8, "evidence": 0.1, "coverage": 0.1}) == "escalate"
    assert old({"retrieved": hit, "evidence": 0.9, "coverage": 0.9}) == "draft"
    other_mode = make_after_retrieve(_deps(settings.model_copy(update={"retrieval_mode": "dense"})))
    assert other_mode({"retrieved": hit, "answerable": 0.8, "evidence": 0.1, "coverage": 0.1}) == "escalate"


def test_abstain_setting_is_validated() -> None:
    with pytest.raises(ValidationError):
        Settings(agent_abstain="vibes")


def _lexical_model(path: Path, embedder: str) -> AbstainModel:
    """A model on the word-overlap features only, fitted for ``embedder``: meaningful with any embedder."""
    n = len(FEATURES)
    coef = [0.0] * n
    coef[FEATURES.index("sentence")] = 3.0
    coef[FEATURES.index("unknown")] = -2.0
    model = AbstainModel.from_dict(
        {
            "features": list(FEATURES),
            "mean": [0.5] * n,
            "scale": [0.25] * n,
            "coef": coef,
            "intercept": 0.0,
            "platt_a": 1.0,
            "platt_b": 0.0,
            "threshold": 0.5,
            "embedder": embedder,
        }
    )
    path.write_text(json.dumps({"model": model.to_dict()}))
    return model


def test_graph_records_answerable_and_decides_with_it(agent_settings: Any, tmp_path: Path) -> None:
    from retrieval.embedder import get_embedder

    model = _lexical_model(tmp_path / "abstain.json", get_embedder().name)
    settings = agent_settings.model_copy(update={"agent_abstain_model": tmp_path / "abstain.json"})
    reply = {"draft": {"mock_response": "Refunds take 5 to 10 business days to appear on the card [1]."}}
    svc = make_service(settings, tmp_path, llm_overrides=reply)
    inside = svc.ask("How long does a refund take to show up on my card?", tenant=TENANT)
    outside = svc.ask("What will the weather be like in Lisbon this weekend?", tenant=TENANT)
    p_in, p_out = (
        svc.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values["answerable"]
        for r in (inside, outside)
    )
    assert p_in >= model.threshold > p_out >= 0
    assert "draft" in _visited(svc, inside.thread_id)  # what the answer then says is the draft's business
    assert "draft" not in _visited(svc, outside.thread_id)
    assert outside.answer_mode == "abstained" and outside.escalated


def _visited(svc: Any, thread_id: str) -> set[str]:
    history = svc.graph.get_state_history({"configurable": {"thread_id": thread_id}})
    return {node for snapshot in history for node in snapshot.next}


def test_a_model_fitted_for_another_embedder_leaves_the_decision_to_the_thresholds(
    agent_settings: Any, tmp_path: Path
) -> None:
    _lexical_model(tmp_path / "abstain.json", "some-other-embedder")
    settings = agent_settings.model_copy(update={"agent_abstain_model": tmp_path / "abstain.json"})
    svc = make_service(settings, tmp_path)
    r = svc.ask("What will the weather be like in Lisbon this weekend?", tenant=TENANT)
    values = svc.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values
    assert values["answerable"] == -1.0 and r.answer_mode == "abstained"
    assert r.evidence < settings.agent_min_evidence  # the threshold rule decided


@pytest.mark.integration
def test_shipped_model_answers_and_abstains_on_the_tiny_kb(agent_settings: Any, tmp_path: Path) -> None:
    model = load_model()
    assert model is not None
    reply = {"draft": {"mock_response": "Refunds take 5 to 10 business days to appear on the card [1]."}}
    svc = make_service(agent_settings, tmp_path, llm_overrides=reply)
    inside = svc.ask("How long does a refund take to show up on my card?", tenant=TENANT)
    outside = svc.ask("Can you give me a good recipe for banana bread?", tenant=TENANT)
    p_in, p_out = (
        svc.graph.get_state({"configurable": {"thread_id": r.thread_id}}).values["answerable"]
        for r in (inside, outside)
    )
    assert p_in >= model.threshold > p_out >= 0
    assert not inside.escalated and outside.escalated
