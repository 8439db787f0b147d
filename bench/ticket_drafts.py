"""Ticket drafts benchmark: every ticket of examples/acme/tickets_golden.jsonl through the real
ticket mode of the agent graph (AgentService.assist_ticket: guard → triage → retrieve → draft →
ground → ticket) with the configured model, collection and trained triage, then the drafts are
matched to people's labels in evals/audits/acme_tickets.jsonl (by case id and answer hash).

Writes bench/results/tickets.json: per split (tune / heldout / all, the acme held-out rule) the
label counts by ``needs_human``, the number of wrong drafts that would go out without a human
(the target is 0), how often the expected ``needs_human`` of the golden ticket is met, and
latency; and bench/results/tickets_drafts.jsonl: each draft (redacted text) with its hash, for
labelling. A draft whose hash has no label counts as ``unlabelled`` (re-label it).

Labelling (evals/audits/GUIDE.md, applied to a draft as the reply an agent would send): a draft
that quotes an unrelated passage as the answer, misreads a table, or states a value for the wrong
row is ``wrong``; true but missing the reference's key fact is ``incomplete``; the holding reply
of a refused or abstained ticket is ``no_answer``. The needs-human note appended to a draft ("a
specialist will check the rest…") is not judged; a draft whose text changed only in that note kept
its verdict (same claims), any other change was read again.

    DESKPILOT_DATA_DIR=/tmp/dp-x .venv/bin/python bench/ticket_drafts.py [--limit N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import REPO, RESULTS, summary, write_result
from deskpilot.offline import configure_offline_env

GOLDEN = REPO / "examples" / "acme" / "tickets_golden.jsonl"
AUDIT = REPO / "evals" / "audits" / "acme_tickets.jsonl"
VERDICTS = ("correct", "incomplete", "wrong", "no_answer", "unlabelled")


def split_of(case_id: str) -> str:
    return "heldout" if int(hashlib.sha256(case_id.encode()).hexdigest(), 16) % 10 >= 6 else "tune"


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def labels(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    if not path.is_file():
        return {}
    from evals.audit import parse_audit

    return {
        (lab.case_id, lab.answer_sha256): lab.model_dump()
        for lab in parse_audit(path.read_text(encoding="utf-8"), source=str(path))
    }


def run(cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from agent.service import AgentService
    from deskpilot.settings import get_settings
    from evals.audit import answer_sha256

    settings = get_settings()
    rows = []
    with AgentService(settings) as service:
        for case in cases:
            start = time.perf_counter()
            out = service.assist_ticket(
                case["subject"], case["body"], tenant=settings.tenant, ticket_id=case["id"]
            )
            triage = out.triage or {}
            rows.append(
                {
                    "id": case["id"],
                    "split": split_of(case["id"]),
                    "expected_needs_human": case["needs_human"],
                    "expected_behavior": case["expected_behavior"],
                    "needs_human": out.needs_human,
                    "reasons": out.reasons,
                    "answer_mode": out.answer_mode,
                    "queue": triage.get("queue"),
                    "priority": triage.get("priority"),
                    "evidence": out.evidence,
                    "coverage": out.coverage,
                    "answerable": out.answerable,
                    "sources": [c.source for c in out.citations],
                    "draft": out.draft_reply,
                    "answer_sha256": answer_sha256(out.draft_reply),
                    "latency_s": round(time.perf_counter() - start, 3),
                }
            )
            print(f"{case['id']} needs_human={out.needs_human} {out.reasons} {out.answer_mode}", flush=True)
    return rows


def tally(rows: list[dict[str, Any]], audit: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    by_flag: dict[str, dict[str, int]] = {
        "false": dict.fromkeys(VERDICTS, 0),
        "true": dict.fromkeys(VERDICTS, 0),
    }
    met = 0
    for row in rows:
        label = audit.get((row["id"], row["answer_sha256"]))
        verdict = label["verdict"] if label else "unlabelled"
        by_flag[str(row["needs_human"]).lower()][verdict] += 1
        met += row["needs_human"] == row["expected_needs_human"]
    expected_true = [r for r in rows if r["expected_needs_human"]]
    expected_false = [r for r in rows if not r["expected_needs_human"]]
    return {
        "n": len(rows),
        "needs_human_rate": round(sum(r["needs_human"] for r in rows) / max(1, len(rows)), 3),
        "verdicts_by_needs_human": by_flag,
        "wrong_with_needs_human_false": by_flag["false"]["wrong"],
        "sent_without_human_correct": by_flag["false"]["correct"],
        "expected_needs_human_met": round(met / max(1, len(rows)), 3),
        "flagged_when_expected": f"{sum(r['needs_human'] for r in expected_true)}/{len(expected_true)}",
        "unflagged_when_expected_not": f"{sum(not r['needs_human'] for r in expected_false)}/{len(expected_false)}",
        "latency_s": summary([r["latency_s"] for r in rows]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--golden", type=Path, default=GOLDEN)
    parser.add_argument("--audit", type=Path, default=AUDIT)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument(
        "--rescore", action="store_true", help="re-tally the saved drafts against the labels, no run"
    )
    args = parser.parse_args()
    configure_offline_env()
    drafts_path = RESULTS / "tickets_drafts.jsonl"
    if args.rescore:
        rows = load(drafts_path)
    else:
        rows = run(load(args.golden)[: args.limit])
        RESULTS.mkdir(parents=True, exist_ok=True)
        drafts_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    audit = labels(args.audit)
    from deskpilot.settings import get_settings

    s = get_settings()
    config = {
        "llm_model": s.llm_model,
        "agent_generation": getattr(s, "agent_generation", None),
        "agent_abstain": getattr(s, "agent_abstain", None),
        "collection": s.collection,
        "ticket_min_evidence": s.ticket_min_evidence,
        "ticket_min_coverage": s.ticket_min_coverage,
    }
    splits = {
        name: [r for r in rows if name == "all" or r["split"] == name] for name in ("tune", "heldout", "all")
    }
    write_result(
        "tickets",
        {
            "dataset": str(args.golden.relative_to(REPO))
            if args.golden.is_relative_to(REPO)
            else str(args.golden),
            "audit": str(args.audit.relative_to(REPO))
            if args.audit.is_relative_to(REPO)
            else str(args.audit),
            "config": config,
            "splits": {name: tally(part, audit) for name, part in splits.items()},
            "still_wrong_without_human": [
                r["id"]
                for r in rows
                if not r["needs_human"]
                and (audit.get((r["id"], r["answer_sha256"])) or {}).get("verdict") == "wrong"
            ],
        },
    )


if __name__ == "__main__":
    main()
