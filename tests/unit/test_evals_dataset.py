"""Golden loader: DESIGN JSONL validated line by line; CLI exit 2 naming line and field."""

import json
from pathlib import Path

import pytest

from deskpilot.exceptions import UserInputError
from evals.dataset import load_golden
from tests.fixtures.evals.support import GOLDEN


def _run_cli(argv: list[str]) -> int:
    from cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    return int(exc.value.code or 0)


def test_loads_design_format_keeps_extras_and_hashes_content(tmp_path: Path) -> None:
    golden = load_golden(GOLDEN)
    lines = [json.loads(x) for x in GOLDEN.read_text().splitlines() if x.strip()]
    assert [c.id for c in golden.cases] == [x["id"] for x in lines]
    assert golden.cases[1].extra["context_group"] == "g1"
    assert [c.expected_behavior for c in golden.cases] == [
        "abstain" if x["category"] == "out_of_scope" else "answer" for x in lines
    ]
    copy = tmp_path / "copy.jsonl"
    copy.write_text(GOLDEN.read_text())
    assert load_golden(copy).hash == golden.hash
    lines[0]["reference_answer"] += " Changed."
    copy.write_text("\n".join(json.dumps(x) for x in lines))
    changed = load_golden(copy)
    assert changed.hash != golden.hash
    assert changed.cases[0].case_hash != golden.cases[0].case_hash
    assert changed.cases[1].case_hash == golden.cases[1].case_hash
    assert len(load_golden(GOLDEN, limit=2).cases) == 2


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.pop("question"), "question"),
        (lambda d: d.update(reference_contexts="not a list"), "reference_contexts"),
        (lambda d: d.update(category=""), "category"),
    ],
)
def test_bad_line_names_line_and_field(tmp_path: Path, mutate, field: str) -> None:  # type: ignore[no-untyped-def]
    lines = [json.loads(x) for x in GOLDEN.read_text().splitlines() if x.strip()]
    mutate(lines[2])
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    with pytest.raises(UserInputError) as exc:
        load_golden(bad)
    assert "bad.jsonl:3:" in exc.value.message and f"'{field}'" in exc.value.message


def test_not_json_and_duplicates_are_rejected(tmp_path: Path) -> None:
    text = GOLDEN.read_text().splitlines()
    f = tmp_path / "dup.jsonl"
    f.write_text("\n".join([text[0], text[0]]))
    with pytest.raises(UserInputError, match=r"dup.jsonl:2: field 'id': duplicate of line 1"):
        load_golden(f)
    f.write_text(text[0] + "\n{oops\n")
    with pytest.raises(UserInputError, match=r":2: not valid JSON"):
        load_golden(f)


def test_cli_exits_2_with_line_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [json.loads(x) for x in GOLDEN.read_text().splitlines() if x.strip()]
    del lines[1]["source_docs"]
    bad = tmp_path / "golden.jsonl"
    bad.write_text("\n".join(json.dumps(x) for x in lines))
    assert _run_cli(["eval", "run", "--dataset", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "golden.jsonl:2:" in err[0] and "'source_docs'" in err[0]
    assert _run_cli(["eval", "run", "--dataset", str(tmp_path / "missing.jsonl")]) == 2
    assert _run_cli(["eval", "compare", str(tmp_path), str(tmp_path)]) == 2
