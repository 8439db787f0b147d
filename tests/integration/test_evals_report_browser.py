"""The HTML report renders in real Chromium (no network) and shows its plots."""

from pathlib import Path
from typing import Any

import pytest

from evals.gate import check_gate, load_gate
from evals.report import write_report
from evals.results import load_results
from tests.fixtures.evals.support import GATE, RESULTS

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_report_renders_with_plots_and_verdicts(tmp_path: Path, browser: Any) -> None:
    res = load_results(RESULTS)
    base = res.model_copy(deep=True, update={"run_id": "older"})
    gate = load_gate(GATE)
    gate.metrics["hit@5"] = gate.metrics["hit@5"].model_copy(update={"min": 1.5})  # a floor it cannot meet
    report = check_gate(res, gate, baseline=base)
    out = write_report(
        res, tmp_path / "report.html", gate=report, baseline=base, history=[("older", base.metrics)]
    )
    html = out.read_text()
    assert "http://" not in html.split("<body>")[0] and "<script" not in html  # self-contained
    requests: list[str] = []
    page = browser.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.goto(out.as_uri())
    for img in ("plot-dist", "plot-confusion", "plot-trend"):
        width = page.eval_on_selector(f"#{img}", "e => e.complete ? e.naturalWidth : 0")
        assert width > 0, img
    assert page.inner_text("#gate").strip().endswith("FAILED")
    assert "hit@5" in page.inner_text("table >> nth=0")
    worst = page.inner_text("#worst")
    answered = [c for c in res.per_case if c.scores.get("semantic_similarity") is not None]
    assert all(c.id in worst for c in answered)
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
