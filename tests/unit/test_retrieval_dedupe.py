"""Near-duplicate folding of ranked hits (retrieval.dedupe) and the hit metric over ``also_in``."""

from __future__ import annotations

import pytest

from retrieval.dedupe import collapse
from retrieval.metrics import first_hit_rank
from retrieval.models import SearchHit

PROVISION = (
    "To configure Developer Hub, provision your custom config maps and secrets before running "
    "Developer Hub. Your changes on this configuration might get reverted on Developer Hub restart."
)


def _hit(i: int, source: str, text: str) -> SearchHit:
    return SearchHit(id=str(i), source=source, title="", heading="", text=text, score=1.0 / (i + 1))


def test_copies_fold_into_the_best_ranked_hit_with_their_sources() -> None:
    hits = [
        _hit(0, "install-aks.md", PROVISION + " Use the AKS cluster."),
        _hit(1, "install-eks.md", PROVISION),
        _hit(2, "refunds.md", "Refunds are issued to the original payment method within 5 days."),
        _hit(3, "install-gke.md", PROVISION),
        _hit(4, "install-aks.md", PROVISION),  # same guide again: folded, not listed twice
    ]
    out = collapse(hits)
    assert [h.id for h in out] == ["0", "2"]
    assert out[0].also_in == ["install-eks.md", "install-gke.md"]
    assert out[1].also_in == [] and out[0].score == hits[0].score


def test_partly_shared_passages_stay_apart_and_threshold_above_one_is_off() -> None:
    half = " ".join(PROVISION.split()[:12]) + " then open the refunds dashboard and export the ledger report"
    hits = [_hit(0, "a.md", PROVISION), _hit(1, "b.md", half), _hit(2, "c.md", PROVISION)]
    assert [h.id for h in collapse(hits)] == ["0", "1"]
    assert collapse(hits, threshold=1.5) == hits


def test_a_short_stub_never_absorbs_the_passage_below_it() -> None:
    stub = _hit(0, "install-aks.md", "Provisioning your custom Developer Hub configuration")
    full = _hit(1, "install-eks.md", "Provisioning your custom Developer Hub configuration. " + PROVISION)
    out = collapse([stub, full])
    assert [h.id for h in out] == ["0", "1"] and not out[0].also_in


def test_a_redundant_excerpt_is_folded_but_not_cited() -> None:
    longer = _hit(0, "configuring.md", PROVISION + " " + " ".join(f"extra{i} detail" for i in range(20)))
    excerpt = _hit(1, "install-gke.md", PROVISION)
    out = collapse([longer, excerpt])
    # the excerpt adds nothing, but the passage shown is not in install-gke.md: no citation
    assert [h.id for h in out] == ["0"] and out[0].also_in == []


def test_a_folded_source_counts_for_the_hit_metric() -> None:
    item = {"source_docs": ["install-gke.md"], "reference_contexts": [PROVISION]}
    hits = [_hit(0, "install-aks.md", PROVISION), _hit(1, "install-gke.md", PROVISION)]
    assert first_hit_rank(hits, item) == 2
    assert first_hit_rank(collapse(hits), item) == 1
    other = {"source_docs": ["upgrade.md"], "reference_contexts": [PROVISION]}
    assert first_hit_rank(collapse(hits), other) is None


def test_tied_scores_get_one_order_whatever_order_the_engine_returns() -> None:
    """RRF ties whenever two chunks swap their dense and sparse ranks (1/(k+a) + 1/(k+b)); the
    engine returns tied points in no fixed order, and the answer's lead followed it."""
    from retrieval.search import ordered

    tie = 1 / 63 + 1 / 64
    a = SearchHit(
        id="x", source="configuring.md", title="", heading="HA", text="a", score=tie, chunk_index=40
    )
    b = SearchHit(
        id="y", source="configuring.md", title="", heading="PVC", text="b", score=tie, chunk_index=7
    )
    best = SearchHit(id="z", source="z.md", title="", heading="", text="c", score=2 / 61)
    low = SearchHit(id="w", source="a.md", title="", heading="", text="d", score=1 / 70)
    want = ["z", "y", "x", "w"]
    assert [h.id for h in ordered([a, b, best, low])] == want
    assert [h.id for h in ordered([low, b, a, best])] == want
    assert tie == 1 / 64 + 1 / 63  # the tie is exact in floating point, so order alone decides


def test_a_reranker_scores_each_hit_with_its_own_vector_whatever_the_engine_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tie order is applied before reranking; the vector rows must move with their hits (they
    were left in the engine's order, so tied hits swapped cosines)."""
    from types import SimpleNamespace

    import numpy as np

    from retrieval import index, search
    from retrieval.rerank import BlendRerank

    va, vb = np.array([1.0, 0.0], dtype=np.float32), np.array([0.0, 1.0], dtype=np.float32)
    tie = 1 / 61 + 1 / 62

    def point(pid: str, source: str, vec: np.ndarray) -> SimpleNamespace:
        payload = {"source": source, "title": "", "heading": "", "text": pid, "chunk_index": 0}
        return SimpleNamespace(id=pid, score=tie, payload=payload, vector={index.DENSE: vec.tolist()})

    cosine_only = BlendRerank("cos", alpha=1.0)
    for engine_order in (["a", "b"], ["b", "a"]):
        pts = {"a": point("a", "a.md", va), "b": point("b", "b.md", vb)}
        res = SimpleNamespace(points=[pts[i] for i in engine_order])
        monkeypatch.setattr(
            index, "get_client", lambda res=res: SimpleNamespace(query_points=lambda *a, **k: res)
        )
        hits = search._hybrid("q", vb, "c", None, 2, search.DEFAULT_PARAMS, cosine_only, "none")
        assert [h.id for h in hits] == ["b", "a"], engine_order  # b's own vector is the query
        assert hits[0].score == pytest.approx(1.0) and hits[1].score == pytest.approx(0.0)
