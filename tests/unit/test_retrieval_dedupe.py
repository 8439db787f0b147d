"""Near-duplicate folding of ranked hits (retrieval.dedupe) and the hit metric over ``also_in``."""

from __future__ import annotations

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
