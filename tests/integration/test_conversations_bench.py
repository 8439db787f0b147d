"""Follow-up turns of the acme conversations answered from the right guide, on a subset, with the
real MiniLM embedder over the acme KB (answers are composed passage units with the default local
model: no model call, so no GGUF is needed). The same subset without condensing is the control:
the measure must be able to fail."""

import os
from pathlib import Path
from typing import Any

import pytest

from bench.conversations import DATASET, TARGET, play

REPO = Path(__file__).resolve().parents[2]
SUBSET = 10  # conversations (12 follow-up turns)


@pytest.fixture(scope="module")
def acme_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from deskpilot.settings import get_settings

    data = tmp_path_factory.mktemp("acme") / "data"
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("DESKPILOT_"):
                mp.delenv(key)
        mp.setenv("DESKPILOT_DATA_DIR", str(data))
        get_settings.cache_clear()
        from retrieval.ingest import ingest_paths

        ingest_paths([REPO / "examples/acme/kb"], progress=False)
    get_settings.cache_clear()
    return data


@pytest.fixture
def acme_settings(acme_kb: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from deskpilot.settings import get_settings

    monkeypatch.setenv("DESKPILOT_DATA_DIR", str(acme_kb))
    get_settings.cache_clear()
    return get_settings()


@pytest.mark.integration
def test_followups_come_from_the_right_guide(acme_settings: Any, tmp_path: Path) -> None:
    with_condense = play(acme_settings, DATASET, "auto", SUBSET, tmp_path)
    without = play(acme_settings, DATASET, "off", SUBSET, tmp_path)
    assert not with_condense["failed"], with_condense["errors"]
    assert with_condense["all"]["n"] >= 10
    assert with_condense["all"]["share"] >= TARGET, with_condense["missed"]
    assert without["all"]["share"] < with_condense["all"]["share"]
