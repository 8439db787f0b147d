"""Priority rules from YAML, sentiment and language signals, metrics and calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deskpilot.exceptions import ConfigError
from triage.calibration import fit_temperature, nll
from triage.metrics import coverage_at_precision, ece, threshold_for_precision
from triage.priority import load_rules
from triage.signals import detect_language, sentiment_label, sentiment_score

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "triage"


def test_default_rules_raise_fraud_and_outage() -> None:
    rules = load_rules()
    assert rules.apply("Someone made a fraudulent payment with my card", 0.0)[0] == "P1"
    assert rules.apply("Your checkout is down since 9am", 0.0)[0] == "P1"
    assert rules.apply("My lawyer will contact you", 0.0)[0] == "P2"
    assert rules.apply("How do I change my address?", 0.0)[0] == rules.default


def test_angry_tone_bumps_priority() -> None:
    rules = load_rules()
    text = "This is the worst service ever, I am furious and disgusted"
    score = sentiment_score(text)
    assert sentiment_label(score) == "negative"
    priority, fired = rules.apply(text, score)
    assert "angry" in fired
    assert priority == "P2"  # default P3 bumped one level


def test_rules_are_read_from_a_user_yaml() -> None:
    rules = load_rules(FIX / "priority_rules.yaml")
    assert rules.default == "P4"
    assert rules.apply("I am a platinum customer", 0.0) == ("P2", ["vip"])
    assert rules.apply("fraud on my account", 0.0)[0] == "P4"  # only the user's rules apply


def test_bad_rules_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - name: x\n    priority: P9\n    words: [a]\n")
    with pytest.raises(ConfigError):
        load_rules(bad)


def test_language_detection_offline() -> None:
    assert detect_language("My card has not arrived yet, what should I do?") == "en"
    assert detect_language("Mi tarjeta no ha llegado todavía, ¿qué hago?") == "es"
    assert detect_language("ok") == "und"


def test_ece_and_threshold() -> None:
    conf = np.array([0.95, 0.9, 0.8, 0.6, 0.55, 0.5])
    ok = np.array([1, 1, 1, 0, 1, 0])
    assert threshold_for_precision(conf, ok, 1.0) == 0.8
    assert threshold_for_precision(conf, ok, 0.8) == 0.55
    assert threshold_for_precision(conf, np.zeros(6), 0.9) == 1.0
    assert coverage_at_precision(conf, ok, 1.0) == pytest.approx(0.5)
    assert ece(np.array([1.0, 1.0]), np.array([1, 1])) == 0.0
    assert ece(np.array([0.9, 0.9]), np.array([0, 0])) == pytest.approx(0.9)


def test_temperature_softens_overconfident_logits() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    logits = rng.normal(size=(300, 3)) * 5
    logits[np.arange(300), y] += 3  # right ~70% of the time but far too sure
    t = fit_temperature(logits, y)
    assert t > 1.0
    assert nll(logits, y, t) < nll(logits, y, 1.0)
