"""The bundled MiniLM embedder: the frozen path gives the vectors that sentence-transformers'
``encode`` gives, restores the thread count, and embeds a text to the same bits whatever batch
it comes in."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.integration

TEXTS = [
    "my card was charged twice",
    "How do I rotate a webhook signing secret without downtime on the production account?",
    "refund",
]
FILLER = [f"filler ticket number {i} about a declined payment" for i in range(9)]


def test_small_batches_match_encode_and_restore_threads() -> None:
    import torch

    from retrieval.embedder import SMALL_BATCH, get_embedder

    emb = get_embedder()
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        small = emb.embed(TEXTS)  # <= SMALL_BATCH texts: one thread
        assert torch.get_num_threads() == 2
        assert emb._frozen is not False, "the frozen encoder should be available for the bundled model"
        big = emb.embed(TEXTS + FILLER)  # > SMALL_BATCH: all threads
        assert len(TEXTS + FILLER) > SMALL_BATCH
    finally:
        torch.set_num_threads(before)
    want = emb.model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(small, want, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(small, axis=1), 1.0, atol=1e-5)
    one = emb.embed([TEXTS[1]])[0]
    assert float(one @ big[1]) > 0.99999


def test_a_text_embeds_to_the_same_bits_in_any_batch() -> None:
    """Padding a row to a longer neighbour moves it by ~1e-7; the vector cache keeps whichever
    came first, so a batch-dependent vector made answers depend on run history."""
    from retrieval.embedder import get_embedder

    emb = get_embedder()
    alone = np.stack([emb.embed([t])[0] for t in TEXTS])
    for batch in (TEXTS, list(reversed(TEXTS)), TEXTS + FILLER, FILLER[:3] + TEXTS + PASSAGES):
        got = emb.embed(batch)
        for i, text in enumerate(TEXTS):
            assert np.array_equal(got[batch.index(text)], alone[i]), (text, len(batch))
    # a text in a group of others with its token count (the fillers share one)
    counts = emb.count_tokens(FILLER)
    assert len(set(counts)) == 1, counts
    one = emb.embed([FILLER[0]])[0]
    for batch in (FILLER, FILLER * 8, TEXTS + FILLER[::-1]):
        assert np.array_equal(emb.embed(batch)[batch.index(FILLER[0])], one), len(batch)


PASSAGES = [
    "To rotate the webhook signing secret, create a second secret, deploy the code that accepts "
    "both signatures, then revoke the old secret after every endpoint has switched.",
    "Refunds go back to the original payment method and usually take five to ten business days "
    "to appear on the customer's statement, depending on the card issuer.",
    "Install the Operator from OperatorHub, create a Backstage custom resource that references "
    "your app-config ConfigMap, and wait for the deployment to become ready.",
    "A dispute freezes the disputed amount plus a fee until the issuer decides; upload evidence "
    "such as receipts and shipping confirmation before the due date.",
]


def test_int8_backend_stays_close_to_fp32() -> None:
    """Per-channel int8 weights keep every vector within a small angle of fp32 (one weight
    scale per tensor, the torch default, drifts much further on passages like these)."""
    from retrieval.embedder import load_embedder

    fp32 = load_embedder("torch").embed(PASSAGES + TEXTS)
    int8 = load_embedder("torch-int8")
    assert int8.backend == "torch-int8"
    got = int8.embed(PASSAGES + TEXTS)
    cos = (got * fp32).sum(axis=1)
    assert cos.min() > 0.95 and cos.mean() > 0.97, cos  # per tensor: min 0.91, mean 0.94
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
