"""Test doubles shared by the unit tier.

:class:`HashingEmbedder` stands in for MiniLM in unit tests (``tests/conftest.py`` installs it for
a run that selects no integration test): word unigrams, word bigrams and character trigrams,
hashed into a fixed number of signed buckets and L2-normalised. Texts that share words land
close, paraphrases without shared words do not: semantically crude, but deterministic across
processes and machines, and with no torch import and no model load. Tests that need real
semantics are marked ``integration`` and get MiniLM.
"""

from __future__ import annotations

import itertools
import re
import zlib

import numpy as np

DIM = 256  # not MiniLM's 384: vectors from the two can never be mixed silently in one index
_TOKEN_RE = re.compile(r"\w+", re.UNICODE)
# weights by feature kind; function words count little, as they do for a sentence encoder
_WORD, _STOP, _BIGRAM, _TRIGRAM = 1.0, 0.15, 0.5, 0.25
_STOP_TEXT = """a an the and or but of to in on at for from by with as is are was were be been it its this
that these those i you we they he she my your our their me us do does did can could will would should
how what when where which who why if then so not no"""
STOPWORDS = frozenset(_STOP_TEXT.split())


def _bucket(feature: str, dim: int) -> tuple[int, float]:
    h = zlib.crc32(feature.encode("utf-8"))
    return h % dim, (1.0 if (h >> 31) & 1 else -1.0)


def features(text: str) -> dict[str, float]:
    """Weighted features of ``text`` (lower-cased words, adjacent word pairs, trigrams of words)."""
    words = [w.lower() for w in _TOKEN_RE.findall(text)]
    out: dict[str, float] = {}
    for word in words:
        out["w:" + word] = out.get("w:" + word, 0.0) + (_STOP if word in STOPWORDS else _WORD)
        if word not in STOPWORDS:
            padded = f"<{word}>"
            for i in range(len(padded) - 2):
                key = "c:" + padded[i : i + 3]
                out[key] = out.get(key, 0.0) + _TRIGRAM
    for left, right in itertools.pairwise(words):
        if left not in STOPWORDS or right not in STOPWORDS:
            key = f"b:{left} {right}"
            out[key] = out.get(key, 0.0) + _BIGRAM
    return out


class HashingEmbedder:
    """The ``retrieval.embedder.Embedder`` protocol: ``name``, ``dim``, ``embed(texts)``."""

    def __init__(self, dim: int = DIM) -> None:
        self.dim = dim
        self.name = f"fake-hashing-ngrams:{dim}"
        self.calls = 0  # embed() calls, for tests that check batching

    def embed_one(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for feature, weight in features(text).items():
            index, sign = _bucket(feature, self.dim)
            vec[index] += sign * weight
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:  # no words at all: one fixed unit vector, as an encoder gives one for ""
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.embed_one(t) for t in texts]).astype(np.float32)


def choose_embedder(option: str, *, any_integration: bool) -> str:
    """``fake`` or ``real`` for a run: ``--embedder`` when given, else the fake unless the run selects
    an integration test (then every test embeds with MiniLM: one index never holds both kinds)."""
    if option != "auto":
        return option
    return "real" if any_integration else "fake"
