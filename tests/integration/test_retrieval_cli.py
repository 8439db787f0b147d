"""``deskpilot ingest`` / ``deskpilot search`` end to end (real index, real embedder)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.main import main
from retrieval import index

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "retrieval" / "kb"


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    index.close_clients()


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0)


def test_missing_path_and_empty_query_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["ingest", str(tmp_path / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert _run(["search", "  "]) == 2
    assert "empty query" in capsys.readouterr().err
    assert _run(["search", "refund", "--collection", "ghost"]) == 2
    assert "'ghost'" in capsys.readouterr().err


def test_ingest_then_search_json_and_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = tmp_path / "kb"
    shutil.copytree(FIXTURES, kb)
    assert _run(["ingest", str(kb), "--collection", "acme", "--tenant", "t1"]) == 0
    assert "5 added" in capsys.readouterr().out

    assert _run(["search", "zorblax", "--collection", "acme", "--tenant", "t1", "--k", "2", "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) <= 2 and hits[0]["source"] == "webhooks.md"
    assert {"id", "source", "title", "heading", "text", "score"} <= set(hits[0])

    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"id": "a", "question": "refund within 120 days"})
        + "\n"
        + json.dumps({"id": "b", "query": "payout schedule"})
        + "\n"
    )
    args = ["search", "--queries", str(queries), "--collection", "acme", "--tenant", "t1", "--k", "3"]
    assert _run(args) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"]
    assert all(1 <= len(x["results"]) <= 3 for x in lines)
    assert lines[0]["results"][0]["source"] == "refunds.md"
    assert lines[1]["results"][0]["source"] == "payouts.txt"

    queries.write_text('{"id": "x"}\n')
    assert _run(["search", "--queries", str(queries), "--collection", "acme"]) == 2
    assert "question" in capsys.readouterr().err
