"""Per-ticket signals that need no training: sentiment (VADER) and language (py3langid)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from triage.schema import Sentiment


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment_score(text: str) -> float:
    """VADER compound score in [-1, 1] (English lexicon)."""
    if not text.strip():
        return 0.0
    return float(_vader().polarity_scores(text)["compound"])


def sentiment_label(score: float) -> Sentiment:
    if score <= -0.3:
        return "negative"
    if score >= 0.3:
        return "positive"
    return "neutral"


@lru_cache(maxsize=1)
def _langid() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str, *, min_chars: int = 12, min_prob: float = 0.5) -> str:
    """ISO 639-1 code, or ``und`` when the text is too short or the detector is unsure."""
    stripped = text.strip()
    if len(stripped) < min_chars:
        return "und"
    lang, prob = _langid().classify(stripped)
    return str(lang) if prob >= min_prob else "und"
