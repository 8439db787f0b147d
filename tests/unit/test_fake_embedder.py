"""The unit tier's stand-in for MiniLM (tests/fakes.py) and how conftest installs it."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.fakes import DIM, HashingEmbedder, choose_embedder


def test_the_run_embeds_with_the_embedder_it_chose(embedder_kind: str) -> None:
    from retrieval.embedder import get_embedder

    assert isinstance(get_embedder(), HashingEmbedder) is (embedder_kind == "fake")


def test_the_fake_serves_runs_without_integration_tests_unless_told() -> None:
    assert choose_embedder("auto", any_integration=False) == "fake"
    assert choose_embedder("auto", any_integration=True) == "real"
    assert choose_embedder("real", any_integration=False) == "real"
    assert choose_embedder("fake", any_integration=True) == "fake"


def test_vectors_are_unit_length_and_shared_words_are_closer() -> None:
    emb = HashingEmbedder()
    vecs = emb.embed(
        [
            "Refunds take 5 to 10 business days to reach the card.",
            "How many business days does a refund take?",
            "Rotate your API keys from the dashboard.",
            "",
        ]
    )
    assert vecs.shape == (4, DIM) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    refund, question, keys = vecs[0], vecs[1], vecs[2]
    assert float(refund @ question) > float(keys @ question) + 0.1
    assert emb.embed([]).shape == (0, DIM)


def test_same_vectors_in_another_process() -> None:
    text = "Payouts arrive on the next business day"
    code = (
        "import json; from tests.fakes import HashingEmbedder; "
        f"print(json.dumps(HashingEmbedder().embed([{text!r}])[0].tolist()))"
    )
    repo = Path(__file__).resolve().parents[2]
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo)
    here = HashingEmbedder().embed([text])[0]
    assert np.allclose(np.array(json.loads(other.stdout)), here, atol=1e-7)
