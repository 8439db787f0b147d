"""The labelling workflow through the CLI on a recorded run: audit-sheet → fill → audit-merge →
audit-check (rates, agreement, --write), stale labels after an answer changes, exit 2 on bad input."""

import json
from pathlib import Path

import pytest

from evals.results import load_results
from tests.fixtures.evals.support import GOLDEN, RESULTS


def _cli(argv: list[str]) -> int:
    from cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    return int(exc.value.code or 0)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    res = load_results(RESULTS)
    res.dataset.path = str(GOLDEN)
    out = tmp_path / "run"
    res.save(out)
    return out


def test_sheet_merge_check_and_stale(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet, audit = tmp_path / "sheet.jsonl", tmp_path / "audits" / "agentkb.jsonl"
    assert _cli(["eval", "audit-sheet", str(run_dir), "--out", str(sheet)]) == 0
    rows = [json.loads(line) for line in sheet.read_text().splitlines()]
    # in-scope cases only, each with what a labeller reads
    assert [r["case_id"] for r in rows] == ["refund-time", "payout-failed", "dispute-fee"]
    assert all(r["label_status"] == "none" and r["verdict"] == "" for r in rows)
    assert (
        rows[0]["cited"][0]["source"] == "refunds.md"
        and "5 to 10 business days" in rows[0]["cited"][0]["text"]
    )
    assert {r["split"] for r in rows} <= {"tune", "heldout"}
    assert "## refund-time" in sheet.with_suffix(".md").read_text()
    rows[0] |= {"verdict": "correct", "reason": "5-10 business days"}
    rows[2] |= {"verdict": "wrong", "reason": "fee is $15.00, not 15 USD?"}
    sheet.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert _cli(["eval", "audit-merge", str(sheet), "--into", str(audit), "--labeller", "lead"]) == 0
    assert "2 labels (2 added or changed, 1 rows without a verdict)" in capsys.readouterr().out

    assert _cli(["eval", "audit-check", str(audit), "--run", str(run_dir), "--write"]) == 0
    out = capsys.readouterr().out
    assert "2 valid labels" in out and "matched 2" in out and "agreement verdict -> wrong: n=2" in out
    updated = load_results(run_dir)
    sources = {r.id: (r.verdict, r.verdict_source) for r in updated.per_case}
    assert sources["refund-time"] == ("correct", "label") and sources["dispute-fee"] == ("wrong", "label")
    assert sources["payout-failed"][1] == "proxy" and updated.metrics["n_labelled"] == 2
    assert "agreement-confusion" in (run_dir / "report.html").read_text()

    # the answer changes: its label turns stale and the sheet offers it again
    res = load_results(run_dir)
    res.per_case[0].answer = "A refund takes 3 to 5 business days [1]."
    res.save(run_dir)
    assert _cli(["eval", "audit-check", str(audit), "--run", str(run_dir)]) == 0
    assert "stale (answer changed, re-label): refund-time" in capsys.readouterr().out
    argv = ["eval", "audit-sheet", str(run_dir), "--out", str(sheet), "--unlabelled", "--audit", str(audit)]
    assert _cli(argv) == 0
    again = [json.loads(line) for line in sheet.read_text().splitlines()]
    assert [r["case_id"] for r in again] == ["refund-time", "payout-failed"]
    assert again[0]["label_status"] == "stale" and again[0]["previous_label"]["verdict"] == "correct"


def test_bad_input_exits_2(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"case_id": "x", "answer_sha256": "' + "0" * 64 + '", "verdict": "fine", "split": "tune", '
        '"labeller": "a"}\n'
    )
    assert _cli(["eval", "audit-check", str(bad)]) == 2
    assert "bad.jsonl:1: field 'verdict'" in capsys.readouterr().err
    assert (
        _cli(["eval", "audit-sheet", str(run_dir), "--out", str(tmp_path / "s.jsonl"), "--split", "x"]) == 2
    )
    assert _cli(["eval", "audit-merge", str(tmp_path / "nope.jsonl"), "--into", str(bad)]) == 2
    assert (
        _cli(["eval", "run", "--dataset", str(GOLDEN), "--audit", str(bad), "--out", str(tmp_path / "r")])
        == 2
    )
