"""Training on a small fixture: determinism, singleton labels, save/reload, abstention."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from triage.data import load_labeled
from triage.features import FeatureConfig
from triage.model import load_model
from triage.train import SingletonLabelWarning, TrainConfig, train_model
from triage.triager import Triager

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "triage"
TFIDF_ONLY = FeatureConfig(embed=False)  # the MiniLM block is covered by integration tests


def _train(seed: int = 0, **kw):  # type: ignore[no-untyped-def]
    data = load_labeled(FIX / "tickets.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SingletonLabelWarning)
        return train_model(data, TrainConfig(seed=seed, features=TFIDF_ONLY, validation_size=0.3, **kw))


def test_same_seed_same_model() -> None:
    (m1, r1), (m2, r2) = _train(7), _train(7)
    texts = ["my card never arrived", "charged twice on the invoice", "the app crashes"]
    p1, p2 = m1.proba(m1.matrix(texts)), m2.proba(m2.matrix(texts))
    np.testing.assert_array_equal(p1, p2)
    assert r1.model_version == r2.model_version
    assert r1.threshold == r2.threshold and r1.temperature == r2.temperature


def test_singleton_label_is_warned_and_kept_out_of_validation() -> None:
    data = load_labeled(FIX / "tickets.csv")
    with pytest.warns(SingletonLabelWarning, match="account_closure"):
        model, report = train_model(data, TrainConfig(features=TFIDF_ONLY, validation_size=0.3))
    assert report.singleton_labels == ["account_closure"]
    assert "account_closure" in model.labels
    assert report.n_validation > 0
    assert (
        "account_closure" not in report.validation.labels
        or sum(report.validation.confusion[report.validation.labels.index("account_closure")]) == 0
    )


def test_model_learns_the_fixture() -> None:
    model, report = _train()
    triager = Triager(model)
    res = triager.predict("Someone stole my card and made payments I did not make")
    assert res.queue == "fraud"
    assert res.candidates[0].queue == "fraud"
    assert 0.0 <= res.confidence <= 1.0
    assert report.priority_model  # the fixture has a priority column
    assert res.priority in ("P1", "P2")


def test_saved_model_reloads_and_predicts_the_same(tmp_path: Path) -> None:
    model, report = _train()
    model.save(tmp_path / "m", report)
    loaded = load_model(tmp_path / "m")
    texts = ["refund for the double charge", "pin blocked", "login error on the website", ""]
    a = Triager(model).predict_many(texts)
    b = Triager(loaded).predict_many(texts)
    assert [r.model_dump() for r in a] == [r.model_dump() for r in b]
    assert (tmp_path / "m" / "metrics.json").is_file() and (tmp_path / "m" / "labels.json").is_file()


def test_empty_text_needs_human() -> None:
    model, _ = _train()
    res = Triager(model).predict_many(["", "   ", "my card was declined"])
    assert res[0].needs_human and res[1].needs_human and res[0].queue is None
    assert res[2].queue is not None


def test_low_confidence_goes_to_a_human() -> None:
    model, report = _train(target_precision=0.99)
    triager = Triager(model)
    results = triager.predict_many(["zzqx vvbn", "I was charged twice for my subscription this month"])
    for r in results:
        assert r.needs_human == (r.confidence < report.threshold)
    assert results[0].confidence < results[1].confidence
    model.threshold = 1.01  # nothing is confident enough
    assert all(r.needs_human for r in triager.predict_many(["my card was declined"]))
    model.threshold = 0.0
    assert not any(r.needs_human for r in triager.predict_many(["my card was declined"]))
