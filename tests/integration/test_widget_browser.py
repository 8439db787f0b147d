"""The widget in real Chromium against a real uvicorn server, the real agent and the local LLM:
ask, watch streamed tokens and a citation appear, give a thumbs-up, find it in the database."""

# ruff: noqa: F811  (pytest fixtures imported from tests.fixtures are parameters here)

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.tables import Feedback
from deskpilot.db import session_scope
from tests.fixtures.api.server import running
from tests.fixtures.api.support import Q_REFUND, TENANT, agent_kb, agent_settings, api_settings, make_service  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]


def test_widget_streams_an_answer_with_citation_and_stores_feedback(
    agent_settings: Any,
    tmp_path: Path,
    browser: Any,
) -> None:
    from api.app import create_app
    from api.auth import create_key
    from api.tables import TABLES
    from deskpilot.db import create_tables, get_engine

    settings = api_settings(agent_settings, tmp_path, run_worker_in_process=False)
    engine = get_engine(settings=settings)
    create_tables(engine, *TABLES)
    key = create_key(engine, TENANT).api_key
    svc = make_service(settings, tmp_path)
    app = create_app(settings, agent=svc)  # real local LLM

    with running(app) as base:
        page = browser.new_page()
        page.on("console", lambda m: print("console:", m.text))
        page.goto(f"{base}/widget#key={key}")
        assert page.evaluate("localStorage.getItem('deskpilot.apiKey')") == key
        # record every token as it lands in the answer box (proves streaming, not one final paint)
        page.evaluate(
            """() => { window.__seen = [];
                new MutationObserver(() => { const b = document.querySelector('.msg.assistant');
                  if (b) window.__seen.push([b.classList.contains('streaming'), b.querySelector('.text').textContent,
                                            b.querySelectorAll('.citation').length]); })
                .observe(document.querySelector('#messages'), {subtree: true, childList: true, characterData: true}); }"""
        )
        page.fill("#question", Q_REFUND)
        page.click("#send")
        page.wait_for_selector(".msg.assistant .citation", timeout=180_000)
        page.wait_for_selector(".msg.assistant .thumb.up", timeout=180_000)
        answer = page.inner_text(".msg.assistant .text")
        assert "business days" in answer.lower() or "refund" in answer.lower()
        seen = page.evaluate("window.__seen")
        # tokens and a citation were on screen while the stream was still open (before `done`)
        assert any(streaming and text for streaming, text, _ in seen), seen
        assert any(streaming and cites for streaming, _, cites in seen), seen
        assert "refunds.md" in page.get_attribute(".msg.assistant .citation", "data-key")
        page.fill(".msg.assistant .actions input", "helpful")
        page.click(".msg.assistant .thumb.up")
        page.wait_for_selector(".thumb.up.chosen", timeout=10_000)
        page.wait_for_selector("#threads li", timeout=10_000)
        page.screenshot(path=str(tmp_path / "widget.png"), full_page=True)

    assert (tmp_path / "widget.png").stat().st_size > 5_000
    with session_scope(engine) as s:
        fb = list(s.scalars(select(Feedback)))
        assert [(f.tenant, f.rating, f.comment) for f in fb] == [(TENANT, "up", "helpful")]
        thread_id, message_id = fb[0].thread_id, fb[0].message_id
    # the feedback names an assistant message of the transcript (the agent's checkpoint)
    msgs = {m["id"]: m for m in svc.history(thread_id, tenant=TENANT)}
    msg = msgs.get(message_id)
    assert msg is not None and msg["role"] == "assistant" and msg["citations"]


def test_embed_script_injects_the_widget_into_another_page(
    agent_settings: Any,
    tmp_path: Path,
    browser: Any,
) -> None:
    from api.app import create_app

    settings = api_settings(agent_settings, tmp_path, run_worker_in_process=False)

    class NoAgent:  # this test never asks anything
        pass

    app = create_app(settings, agent=NoAgent())
    host_page = tmp_path / "shop.html"
    with running(app) as base:
        host_page.write_text(
            f'<html><body><h1>Shop</h1><script src="{base}/widget.js" data-api-key="dp_demo"></script></body></html>'
        )
        page = browser.new_page()
        page.goto(host_page.as_uri())
        page.click("[data-deskpilot=launcher]")
        frame_el = page.wait_for_selector("iframe[data-deskpilot=frame]")
        frame = frame_el.content_frame()
        frame.wait_for_selector("#question")
        assert frame.input_value("#api-key") == "dp_demo"
        assert frame.url.startswith(base + "/widget")
