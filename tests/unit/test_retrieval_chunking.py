"""Chunking, loaders, sparse vectors and the hit metric (no index, no model weights)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deskpilot.exceptions import UserInputError
from retrieval.chunking import MAX_TOKENS, chunk_text, embed_text, wordpiece_counter
from retrieval.loaders import load_paths
from retrieval.metrics import first_hit_rank, is_hit, score_ranks, split_by_group
from retrieval.models import SearchHit
from retrieval.sparse import doc_vector, query_vector, terms

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "retrieval" / "kb"


def test_loaders_read_front_matter_html_and_text() -> None:
    docs = {d.source: d for d in load_paths([FIXTURES]).documents}
    assert set(docs) == {"refunds.md", "chargebacks.md", "payouts.txt", "api-keys.html", "webhooks.md"}
    assert docs["refunds.md"].title == "Refund policy"
    assert docs["refunds.md"].url == "https://help.example.com/refunds"
    assert not docs["refunds.md"].text.startswith("---")
    assert docs["chargebacks.md"].title == "Chargebacks and disputes"
    html = docs["api-keys.html"]
    assert html.title == "API keys"
    assert "## Restricted keys" in html.text and "* Create a restricted key" in html.text
    assert "body{}" not in html.text


def test_unreadable_file_is_skipped_and_counted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "ok.md").write_text("# Fine\n\ntext\n")
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe\x00garbage")
    result = load_paths([tmp_path])
    assert [d.source for d in result.documents] == ["ok.md"]
    assert len(result.skipped) == 1 and result.skipped[0][0].endswith("bad.md")
    assert "skipping unreadable file" in caplog.text


def test_missing_path_is_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="does not exist"):
        load_paths([tmp_path / "nope"])


def test_chunks_follow_headings_and_keep_code_whole() -> None:
    text = (FIXTURES / "refunds.md").read_text()
    chunks = chunk_text(text, title="Refund policy", max_tokens=60)
    headings = [c.heading for c in chunks]
    assert "Refund policy > Eligibility" in headings
    assert "Refund policy > How to issue a refund" in headings
    code = [c for c in chunks if "```bash" in c.text]
    assert len(code) == 1 and code[0].text.count("```") == 2
    assert [c.chunk_index for c in chunks] == list(range(len(chunks)))


def test_every_chunk_fits_the_embedder_window() -> None:
    count = wordpiece_counter()
    para = " ".join(f"word{i} configuration-value_{i}" for i in range(400))
    code = "```yaml\n" + "\n".join(f"key{i}: value{i}" for i in range(300)) + "\n```"
    items = "\n".join(f"* item number {i} with some words" for i in range(200))
    text = f"# Big\n\n{para}\n\n## Code\n\n{code}\n\n## List\n\n{items}\n"
    chunks = chunk_text(text, title="Big doc")
    assert len(chunks) > 5
    sizes = [count(embed_text("Big doc", c.heading, c.text)) for c in chunks]
    assert max(sizes) <= MAX_TOKENS
    joined = " ".join(c.text for c in chunks)
    assert "word399" in joined and "key299" in joined and "item number 199" in joined


def test_sparse_vectors_are_stable_and_saturated() -> None:
    assert terms("The Refunds are issued") == ["refund", "issued"]
    a = doc_vector("refund refund refund payout")
    assert a == doc_vector("refund refund refund payout")
    weights = dict(zip(a.indices, a.values, strict=True))
    q = query_vector("refund")
    assert q.values == [1.0]
    assert 1.0 < weights[q.indices[0]] < 2.2  # tf 3 saturates below k1 + 1
    assert query_vector("the and of").indices == []


def test_hit_metric_and_scores() -> None:
    item = {"source_docs": ["a.md"], "reference_contexts": ["alpha beta gamma delta epsilon zeta"]}
    assert is_hit("a.md", "Alpha, beta and gamma", item["source_docs"], item["reference_contexts"])
    assert not is_hit("b.md", "alpha beta gamma", item["source_docs"], item["reference_contexts"])
    assert not is_hit("a.md", "alpha one two three four", item["source_docs"], item["reference_contexts"])
    hits = [
        SearchHit(id="1", source="b.md", title="", heading="", text="alpha beta", score=1.0),
        SearchHit(id="2", source="a.md", title="", heading="", text="gamma delta", score=0.5),
    ]
    assert first_hit_rank(hits, item) == 2
    s = score_ranks([1, 2, None, 11])
    assert (s.hit_at_1, s.hit_at_5, s.mrr_at_10) == (0.25, 0.5, pytest.approx(0.375))


def test_split_keeps_groups_together_and_is_deterministic() -> None:
    items = [{"id": str(i), "context_group": f"g{i // 3}"} for i in range(30)]
    tune, held = split_by_group(items)
    assert len(tune) + len(held) == 30 and tune and held
    assert {t["context_group"] for t in tune}.isdisjoint({h["context_group"] for h in held})
    assert split_by_group(items) == (tune, held)
