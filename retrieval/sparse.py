"""BM25 sparse vectors, computed here; Qdrant applies the IDF (``Modifier.IDF``).

Documents get BM25-saturated term frequencies ``tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``;
queries get 1.0 per distinct term, so the server-side dot product with IDF is BM25.
Terms are lowercase alphanumeric runs minus English stop words, with a light suffix strip,
hashed to 31-bit indices (stable across processes: CRC32, not ``hash()``).
"""

from __future__ import annotations

import re
import zlib
from collections import Counter

from pydantic import BaseModel

K1 = 1.2
B = 0.75
AVG_DOC_LEN = 120.0  # terms in a typical chunk; a constant keeps vectors independent of the corpus

_TOKEN = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)


class SparseVec(BaseModel):
    indices: list[int]
    values: list[float]


def _stem(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def terms(text: str) -> list[str]:
    return [_stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOP_WORDS]


def term_index(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


def _vector(weights: dict[int, float]) -> SparseVec:
    items = sorted(weights.items())
    return SparseVec(indices=[i for i, _ in items], values=[v for _, v in items])


def doc_vector(text: str, *, k1: float = K1, b: float = B, avg_len: float = AVG_DOC_LEN) -> SparseVec:
    toks = terms(text)
    norm = k1 * (1 - b + b * len(toks) / avg_len)
    weights: dict[int, float] = {}
    for term, tf in Counter(toks).items():
        idx = term_index(term)
        weights[idx] = weights.get(idx, 0.0) + tf * (k1 + 1) / (tf + norm)
    return _vector(weights)


def query_vector(text: str) -> SparseVec:
    return _vector({term_index(t): 1.0 for t in set(terms(text))})
