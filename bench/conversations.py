"""Conversations benchmark: are follow-up turns answered from the right guide?

Plays every multi-turn case of examples/acme/conversations.jsonl on one thread each (the eval's
``evals.conversations.run_dataset``, the real agent with the default local model, whose answers are
composed passage units: no model call) twice: with follow-ups resolved against the thread
(``agent_condense`` as configured, default ``auto`` = rules for the local model) and with
``agent_condense=off`` (every turn searched as typed, as before). A follow-up turn counts as right
when it was answered and its first cited source (or top retrieved source) is in the turn's
``source_docs`` (``evals.conversations.right_guide``). Reported overall and per split: held-out =
sha256(conversation id) % 10 >= 6 (the rules were tuned on the other conversations only).

    .venv/bin/python bench/conversations.py [--dataset FILE] [--limit N] [--out DIR]

Needs the acme KB ingested in the data dir's default collection (``make ingest-demo``).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import REPO, write_result
from deskpilot.offline import configure_offline_env

DATASET = REPO / "examples" / "acme" / "conversations.jsonl"
TARGET = 0.85


def split_of(conversation_id: str) -> str:
    """``heldout`` when sha256(id) % 10 >= 6, else ``tune`` (the acme golden set's split rule)."""
    return "heldout" if int(hashlib.sha256(conversation_id.encode()).hexdigest(), 16) % 10 >= 6 else "tune"


def score(records: list[Any]) -> dict[str, Any]:
    """Right-guide share of the follow-up turns, overall and per split, and the misses' ids."""
    from evals.conversations import is_followup, right_guide

    out: dict[str, Any] = {}
    rows = [(r, right_guide(r)) for r in records if is_followup(r)]
    rows = [(r, v) for r, v in rows if v is not None]
    for name in ("all", "tune", "heldout"):
        part = [(r, v) for r, v in rows if name == "all" or split_of(r.id.split("#")[0]) == name]
        right = sum(1 for _, v in part if v)
        out[name] = {"n": len(part), "right": right, "share": round(right / len(part), 4) if part else None}
    out["missed"] = [r.id for r, v in rows if not v]
    return out


def play(settings: Any, dataset: Path, condense: str, limit: int | None, out_dir: Path) -> dict[str, Any]:
    from evals.config import build_config
    from evals.conversations import run_dataset
    from evals.dataset import load_golden
    from evals.runner import build_service, service_ask

    golden = load_golden(dataset, limit=limit)
    config = build_config(settings, concurrency=1)
    config = config.model_copy(update={"run": config.run.with_overrides(agent_condense=condense)})
    service = build_service(config, settings)
    start = time.perf_counter()
    try:
        records = run_dataset(golden, config, out_dir / condense, service_ask(service, config))
    finally:
        service.close()
    result = score(records)
    result["wall_s"] = round(time.perf_counter() - start, 2)
    result["failed"] = [r.id for r in records if not r.ok]
    result["errors"] = sorted({r.error or "" for r in records if not r.ok})
    result["per_turn"] = [
        {"id": r.id, "source": (r.citations or [""])[0], "expected": r.source_docs, "mode": r.answer_mode}
        for r in records
    ]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, default=DATASET)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="run folder (default: a temp dir)")
    args = parser.parse_args()
    configure_offline_env()
    from deskpilot.settings import get_settings

    settings = get_settings()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-conv-"))
    with_change = play(settings, args.dataset, "auto", args.limit, out)
    without = play(settings, args.dataset, "off", args.limit, out)
    write_result(
        "conversations",
        {
            "dataset": str(
                args.dataset.relative_to(REPO) if args.dataset.is_relative_to(REPO) else args.dataset
            ),
            "model": settings.llm_model,
            "metric": "share of follow-up turns answered from a guide in their source_docs",
            "split": "heldout = sha256(conversation id) % 10 >= 6; rules tuned on tune only",
            "target": TARGET,
            "with_condense": with_change,
            "without_condense": without,
        },
    )


if __name__ == "__main__":
    main()
