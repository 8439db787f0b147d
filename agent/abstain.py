"""The abstain decision as a calibrated classifier: P(the knowledge base answers this question).

Features come from retrieval alone (never from the model) and do not depend on which collection
is searched, so one model serves every tenant:

- ``dense``: best cosine between the question and the stored dense vectors of the context passages
  (whole chunks: cheap, unlike the sentence-level ``Grounder.evidence``, which needs every
  sentence of every passage embedded and so cannot be computed for thousands of training questions);
- ``specific``: ``dense`` minus the question's cosine to the centroid of all the tenant's passages
  (an in-scope question matches one passage much better than the knowledge base at large; a
  question from a neighbouring domain is close to everything and to nothing in particular);
- ``coverage``: IDF-weighted share of the question's content words in the top passages;
- ``sentence``: the same share for the best single sentence of those passages;
- ``top1``: fused (RRF) score of the best hit scaled to [0, 1] (1 = ranked first by dense AND sparse);
- ``margin``: scaled top-1 minus top-2 fused score;
- ``agreement``: share of the context passages that both the dense and the sparse search found;
- ``unknown``: share of the question's content words the collection never uses;
- ``length``: log(1 + number of content words of the question).

The model (``agent/data/abstain.json``, written by ``bench/abstain.py``) is a logistic regression
on standardised features followed by Platt scaling fitted on out-of-fold scores, plus the
threshold chosen on the tuning data for a stated precision of "answerable".
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from agent.evidence import DocFreq, idf_weight, norm_words
from agent.grounding import content_tokens, passage_sentences
from retrieval.collection_cache import CollectionCache

FEATURES = ("dense", "specific", "coverage", "sentence", "top1", "margin", "unknown", "length")
DEFAULT_MODEL = Path(__file__).resolve().parent / "data" / "abstain.json"
RRF_K = 60  # retrieval.search.HybridParams.rrf_k: a hit found by one search only scores <= 1/(k+1)


def _scaled(score: float, mode: str) -> float:
    """A hit's score on [0, 1]: hybrid RRF scores are divided by their maximum 2/(k+1)."""
    if mode == "hybrid":
        return min(1.0, score * (RRF_K + 1) / 2)
    return max(0.0, min(1.0, score))


def features(
    question: str,
    hits: list[dict[str, Any]],
    *,
    dense: float,
    centroid: float,
    coverage: float,
    doc_freq: DocFreq | None,
    mode: str = "hybrid",
    context_k: int = 3,
) -> dict[str, float]:
    """The classifier's inputs for one question and its best-first hits."""
    scores = [_scaled(float(h.get("score") or 0.0), mode) for h in hits]
    top1 = scores[0] if scores else 0.0
    top2 = scores[1] if len(scores) > 1 else 0.0
    words = norm_words(content_tokens(question))
    unknown = sentence = 0.0
    if words and doc_freq is not None:
        df = doc_freq[0]
        unknown = sum(df.get(w, 0) == 0 for w in words) / len(words)
        idf = idf_weight(doc_freq)
        total = sum(idf(w) for w in words)
        for hit in hits[:context_k]:
            for sent in passage_sentences(hit["text"]):
                seen = words & norm_words(content_tokens(sent))
                if total > 0 and seen:
                    sentence = max(sentence, sum(idf(w) for w in seen) / total)
    return {
        "dense": float(dense),
        "specific": float(dense - centroid),
        "coverage": float(coverage),
        "sentence": sentence,
        "top1": top1,
        "margin": max(0.0, top1 - top2),
        "unknown": unknown,
        "length": math.log1p(len(words)),
    }


def chunk_cosine(collection: str, ids: list[str], qvec: np.ndarray) -> float | None:
    """Best cosine of ``qvec`` to the stored dense vectors of the points ``ids``; None when the
    index cannot give them (e.g. a search function that is not backed by the index)."""
    from retrieval import index

    if not ids:
        return None
    try:
        points = index.get_client().retrieve(
            collection, ids=ids, with_vectors=[index.DENSE], with_payload=False
        )
    except Exception:
        return None
    vectors = [
        p.vector[index.DENSE] for p in points if isinstance(p.vector, dict) and index.DENSE in p.vector
    ]
    if not vectors:
        return None
    return float(np.max(np.asarray(vectors, dtype=np.float32) @ np.asarray(qvec, dtype=np.float32)))


def _build_centroid(collection: str, tenant: str) -> np.ndarray:
    from retrieval import index

    client, flt, total = index.get_client(), index.tenant_filter(tenant), None
    offset = None
    while True:
        points, offset = client.scroll(
            collection,
            scroll_filter=flt,
            with_payload=False,
            with_vectors=[index.DENSE],
            limit=512,
            offset=offset,
        )
        for p in points:
            v = np.asarray(p.vector[index.DENSE], dtype=np.float64)
            total = v if total is None else total + v
        if offset is None:
            break
    if total is None:
        return np.zeros(0, dtype=np.float32)
    return (total / max(1e-9, float(np.linalg.norm(total)))).astype(np.float32)


_centroids: CollectionCache[np.ndarray] = CollectionCache(_build_centroid)


def centroid_cosine(collection: str, tenant: str, qvec: np.ndarray) -> float:
    """Cosine of ``qvec`` to the (normalised) mean passage vector of the tenant's collection."""
    c = _centroids.get(collection, tenant)
    return float(c @ np.asarray(qvec, dtype=np.float32)) if c.size else 0.0


@dataclass(frozen=True)
class AbstainModel:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    platt_a: float
    platt_b: float
    threshold: float
    retrieval_mode: str = "hybrid"
    embedder: str = ""
    """Name (prefix) of the embedder the cosine features were measured with; "" fits any."""

    def fits(self, embedder_name: str) -> bool:
        """The cosine features mean what they meant in training only with the same embedder."""
        return embedder_name.startswith(self.embedder)

    def score(self, values: dict[str, float]) -> float:
        """Logistic-regression decision value (before calibration)."""
        z = self.intercept
        for name, m, s, w in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            z += w * (values[name] - m) / (s or 1.0)
        return z

    def probability(self, values: dict[str, float]) -> float:
        """Calibrated P(answerable)."""
        t = self.platt_a * self.score(values) + self.platt_b
        return 1.0 / (1.0 + math.exp(-t)) if t > -50 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "platt_a": self.platt_a,
            "platt_b": self.platt_b,
            "threshold": self.threshold,
            "retrieval_mode": self.retrieval_mode,
            "embedder": self.embedder,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AbstainModel:
        names = tuple(str(n) for n in data["features"])
        unknown = set(names) - set(FEATURES)
        if unknown:
            raise ValueError(f"abstain model uses unknown features: {sorted(unknown)}")
        mean, scale, coef = (tuple(float(x) for x in data[k]) for k in ("mean", "scale", "coef"))
        if not len(mean) == len(scale) == len(coef) == len(names):
            raise ValueError("abstain model: mean/scale/coef must have one value per feature")
        return cls(
            names,
            mean=mean,
            scale=scale,
            coef=coef,
            intercept=float(data["intercept"]),
            platt_a=float(data["platt_a"]),
            platt_b=float(data["platt_b"]),
            threshold=float(data["threshold"]),
            retrieval_mode=str(data.get("retrieval_mode", "hybrid")),
            embedder=str(data.get("embedder", "")),
        )


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> AbstainModel:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return AbstainModel.from_dict(data.get("model", data))


def load_model(path: Path | None = None) -> AbstainModel | None:
    """The shipped (or given) model; None when the file does not exist."""
    path = path or DEFAULT_MODEL
    if not path.is_file():
        return None
    return _load(str(path), path.stat().st_mtime)
