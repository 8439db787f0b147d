"""Inter-labeller agreement on answer labels; writes bench/results/label_agreement.json.

    .venv/bin/python bench/label_agreement.py [--first evals/audits/rhdh.jsonl]
        [--second evals/audits/second/rhdh_heldout_sample.jsonl]

The second file is a blind re-label (other labellers, who did not see the first labels, by
evals/audits/GUIDE.md) of a random sample of held-out answers; the report says how far the audit
rates the README quotes can be trusted (evals.metrics.labellers).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._common import write_result  # noqa: E402
from evals.audit import load_audit  # noqa: E402
from evals.metrics.labellers import labeller_agreement  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--first", default=str(ROOT / "evals" / "audits" / "rhdh.jsonl"))
    ap.add_argument(
        "--second", default=str(ROOT / "evals" / "audits" / "second" / "rhdh_heldout_sample.jsonl")
    )
    args = ap.parse_args()
    report = labeller_agreement(load_audit(args.first), load_audit(args.second))
    if not report["n"]:
        print("no answer is labelled in both files", file=sys.stderr)
        return 2
    report["first"] = (
        str(Path(args.first).relative_to(ROOT)) if Path(args.first).is_relative_to(ROOT) else args.first
    )
    report["second"] = (
        str(Path(args.second).relative_to(ROOT)) if Path(args.second).is_relative_to(ROOT) else args.second
    )
    path = write_result("label_agreement", report)
    print(f"n={report['n']} agreement={report['agreement']} kappa={report['kappa']} -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
