"""The bundled MiniLM embedder: the frozen small-batch path gives the vectors that
sentence-transformers' ``encode`` gives, on one thread, and restores the thread count."""

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
        small = emb.embed(TEXTS)  # frozen path (<= SMALL_BATCH texts)
        assert torch.get_num_threads() == 2
        assert emb._frozen is not False, "the frozen encoder should be available for the bundled model"
        big = emb.embed(TEXTS + FILLER)  # > SMALL_BATCH: sentence-transformers encode
        assert len(TEXTS + FILLER) > SMALL_BATCH
    finally:
        torch.set_num_threads(before)
    np.testing.assert_allclose(small, big[: len(TEXTS)], atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(small, axis=1), 1.0, atol=1e-5)
    one = emb.embed([TEXTS[1]])[0]
    assert float(one @ big[1]) > 0.99999
