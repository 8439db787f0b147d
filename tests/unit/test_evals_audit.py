"""Audit labels: validation with line numbers, matching by answer hash (stale when the answer
changed), sheets merged back, verdict sources, correctness rates and proxy agreement."""

import json
from pathlib import Path

import pytest

from deskpilot.exceptions import UserInputError
from evals.audit import (
    AuditLabel,
    answer_sha256,
    dump_labels,
    label_index,
    load_audit,
    match_label,
    parse_audit,
)
from evals.audit_sheet import hash_split, merge_sheet, spread
from evals.metrics.agreement import agreement
from evals.metrics.verdicts import apply_verdicts, correctness_metrics
from evals.records import CaseRecord

RIGHT = "Card refunds take 5 to 10 business days to appear [1]."
SWAPPED = "Card refunds take 3 to 5 business days to appear [1]."
PASSAGE = "A refund takes 5 to 10 business days to appear on the customer's card statement."


def label(case_id: str, answer: str, verdict: str, split: str = "heldout") -> dict[str, str]:
    return {
        "case_id": case_id,
        "answer_sha256": answer_sha256(answer),
        "verdict": verdict,
        "reason": "r",
        "split": split,
        "labeller": "test",
    }


def rec(case_id: str, answer: str, *, abstained: bool = False) -> CaseRecord:
    return CaseRecord(
        id=case_id,
        case_hash="h",
        config_hash="c",
        question="How long do card refunds take?",
        reference_answer="Card refunds take 5-10 business days to appear.",
        reference_contexts=[PASSAGE],
        category="refunds",
        answer=answer,
        citations=["refunds.md"],
        cited_passages=[PASSAGE],
        abstained=abstained,
    )


def test_answer_hash_ignores_whitespace_only() -> None:
    assert answer_sha256("a  b\n c ") == answer_sha256("a b c")
    assert answer_sha256("a b c") != answer_sha256("a b c.")


def test_loader_validates_each_line_and_names_it(tmp_path: Path) -> None:
    good = json.dumps(label("c1", RIGHT, "correct"))
    f = tmp_path / "a.jsonl"
    f.write_text(good + "\n\n" + json.dumps(label("c2", RIGHT, "wrong")) + "\n")
    assert [lab.verdict for lab in load_audit(f)] == ["correct", "wrong"]
    with pytest.raises(UserInputError, match=r"a.jsonl:2: not valid JSON"):
        parse_audit(good + "\n{oops\n", source="a.jsonl")
    bad_verdict = json.dumps({**label("c1", RIGHT, "correct"), "verdict": "meh"})
    with pytest.raises(UserInputError, match=r"x:1: field 'verdict'"):
        parse_audit(bad_verdict, source="x")
    with pytest.raises(UserInputError, match=r"x:1: field 'answer_sha256'"):
        parse_audit(json.dumps({**label("c1", RIGHT, "correct"), "answer_sha256": "abc"}), source="x")
    with pytest.raises(UserInputError, match=r"x:2: .*already labelled on line 1"):
        parse_audit(good + "\n" + good, source="x")
    with pytest.raises(UserInputError, match="not found"):
        load_audit(tmp_path / "missing.jsonl")


def test_match_by_hash_and_stale_when_answer_changed() -> None:
    index = label_index([AuditLabel.model_validate(label("c1", RIGHT, "correct"))])
    assert match_label(index, "c1", RIGHT.replace(" ", "  ")).status == "matched"
    stale = match_label(index, "c1", SWAPPED)
    assert stale.status == "stale" and stale.label is not None and stale.label.verdict == "correct"
    assert match_label(index, "c2", RIGHT).status == "none"


def test_label_wins_over_proxy_and_rates_say_where_they_come_from() -> None:
    records = [rec("c1", RIGHT), rec("c2", SWAPPED), rec("c3", SWAPPED), rec("c4", "", abstained=True)]
    labels = [
        AuditLabel.model_validate(label("c1", RIGHT, "correct", "heldout")),
        AuditLabel.model_validate(label("c2", SWAPPED, "wrong", "tune")),
        AuditLabel.model_validate(label("c3", RIGHT, "correct")),  # stale: c3's answer is the swapped one
    ]
    apply_verdicts(records, labels)
    assert [(r.verdict, r.verdict_source, r.label_status) for r in records] == [
        ("correct", "label", "matched"),
        ("wrong", "label", "matched"),
        ("wrong", "proxy", "stale"),
        ("no_answer", "proxy", "none"),
    ]
    m = correctness_metrics(records)
    assert (m["n_labelled"], m["n_proxy"], m["n_stale"], m["n_labelled_heldout"]) == (2, 2, 1, 1)
    assert m["wrong_rate"] == 0.5 and m["complete_rate"] == 0.25 and m["correct_rate"] == 0.25
    assert m["audit_wrong_rate"] == 0.5 and m["audit_heldout_complete_rate"] == 1.0
    assert m["proxy_wrong_rate"] == 0.5 and m["no_answer_rate"] == 0.25
    assert [r.scores["wrong_rate"] for r in records] == [0.0, 1.0, 1.0, 0.0]  # per case, for eval compare


def test_agreement_counts_precision_and_recall_of_wrong() -> None:
    answers = [RIGHT, SWAPPED, SWAPPED, RIGHT, RIGHT.replace("[1].", "[1]:")]
    verdicts = ["correct", "wrong", "correct", "wrong", "incomplete"]  # c3, c4: the proxy disagrees
    records = [rec(f"c{i}", a) for i, a in enumerate(answers)]
    labels = [
        AuditLabel.model_validate(label(f"c{i}", a, v))
        for i, (a, v) in enumerate(zip(answers, verdicts, strict=True))
    ]
    apply_verdicts(records, labels)
    report = agreement(records)
    assert report.n == 5
    wrong = report.find("verdict", "wrong")
    assert wrong is not None and (wrong["tp"], wrong["fp"], wrong["fn"]) == (1, 1, 1)
    assert wrong["precision"] == 0.5 and wrong["recall"] == 0.5
    assert (
        report.confusion[2][2] == 1 and report.confusion[0][2] == 1
    )  # label wrong→proxy wrong; correct→wrong
    assert sum(map(sum, report.confusion)) == 5
    assert report.find("faithfulness<0.5", "wrong") is None  # no judge scores, no judge detector
    records[0].scores["faithfulness"] = 0.9
    records[1].scores["faithfulness"] = 0.1
    judge = agreement(records).find("faithfulness<0.5", "wrong")
    assert judge is not None and (judge["n"], judge["tp"], judge["fp"]) == (2, 1, 0)


def test_sheet_rows_merge_into_labels_and_reject_edited_answers() -> None:
    row = {**label("c1", RIGHT, ""), "answer": RIGHT, "verdict": "wrong", "reason": "swapped", "labeller": ""}
    empty = {**row, "case_id": "c2", "verdict": ""}
    text = json.dumps(row) + "\n" + json.dumps(empty) + "\n"
    old = AuditLabel.model_validate(label("c1", RIGHT, "correct"))
    labels, changed, skipped = merge_sheet(text, [old], labeller="lead")
    assert (changed, skipped) == (1, 1) and len(labels) == 1
    assert labels[0].verdict == "wrong" and labels[0].labeller == "lead"
    assert labels[0].answer == RIGHT  # the text is kept with its label (to learn from later)
    dumped = json.loads(dump_labels(labels))
    assert dumped["answer"] == RIGHT and "answer" not in json.loads(dump_labels([old]))
    assert parse_audit(dump_labels([*labels]))[0] == labels[0]
    edited = json.dumps({**row, "answer": RIGHT + " more"})
    with pytest.raises(UserInputError, match=r"sheet:1: .*does not match answer_sha256"):
        merge_sheet(edited, [], source="sheet", labeller="lead")
    with pytest.raises(UserInputError, match=r"sheet:1: field 'labeller'"):
        merge_sheet(json.dumps(row), [], source="sheet")


def test_hash_split_is_the_project_rule() -> None:
    import hashlib

    ids = [f"acme-{i:03d}" for i in range(1, 55)]
    held = [i for i in ids if hash_split(i) == "heldout"]
    assert held == [i for i in ids if int(hashlib.sha256(i.encode()).hexdigest(), 16) % 10 >= 6]
    assert 0 < len(held) < len(ids)


def test_spread_covers_every_answer_mode_in_case_order() -> None:
    rows = [{"case_id": f"c{i}", "answer_mode": m} for i, m in enumerate("aaaaabbc")]
    picked = spread(rows, 4)
    assert [r["case_id"] for r in picked] == ["c0", "c1", "c5", "c7"]
    assert len(spread(rows, 100)) == len(rows)
