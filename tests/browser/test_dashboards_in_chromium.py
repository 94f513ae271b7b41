"""The dashboards and the capacity planner in a real headless Chromium (Debian's, driven
by Playwright): every chart is drawn, with marks, from pipefit's own scripts, under a
strict Content-Security-Policy (no eval, no inline script or style), and the form redraws
it. The browser is the session's (tests/browser/conftest.py: one Playwright per process);
skipped where Playwright or Chromium is missing (failed under CI)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Request, Response

from pipefit.webapi import create_app
from pipefit.webapi.pages_dash.dashboards import DASHBOARDS
from tests.integration.webapi_workspace import Api, api

__all__ = ["api"]  # the fixture, imported for pytest

CHROMIUM = Path("/usr/bin/chromium")
# What a careful deployment sends: the pages' charts must work under it.
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(api: Api) -> Iterator[str]:
    """pipefit's app on a free loopback port, in a thread."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    web = create_app(api.app)

    @web.middleware("http")
    async def strict_csp(request: Request, call_next: Any) -> Response:
        answer: Response = await call_next(request)
        answer.headers["Content-Security-Policy"] = CSP
        return answer

    config = uvicorn.Config(web, host="127.0.0.1", port=port, log_level="error")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


def drawn_marks(page: Any) -> list[int]:
    """Per chart: the marks Vega drew with a size (an empty chart has none)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-spec]')]"
        ".every(e => ['yes', 'failed'].includes(e.getAttribute('data-drawn')))",
        timeout=20000,
    )
    marks: list[int] = page.eval_on_selector_all(
        "[data-spec]",
        """els => els.map(e => e.getAttribute('data-drawn') !== 'yes' ? -1 :
             [...e.querySelectorAll('svg g[class*="mark-"] path, svg g[class*="mark-"] rect,'
                                   + ' svg g[class*="mark-"] line')]
             .filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; })
             .length)""",
    )
    return marks


def test_every_dashboards_charts_are_drawn_with_marks_in_chromium(
    api: Api, server: str, browser: Any, tmp_path: Path
) -> None:
    context = browser.new_context(extra_http_headers=api.read["comp_admin"])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
    for slug in DASHBOARDS:
        page.goto(f"{server}/dashboards/{slug}")
        marks = drawn_marks(page)
        assert len(marks) == len(DASHBOARDS[slug].panels), slug
        assert all(m > 0 for m in marks), (slug, marks)
        page.screenshot(path=str(tmp_path / f"{slug}.png"), full_page=True)
    assert problems == [] and outside == []
    page.goto(f"{server}/dashboards/funnel")
    drawn_marks(page)
    page.hover(".dash-canvas svg g.mark-rect path")
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=5000)
    assert "count" in page.inner_text("#vg-tooltip-element")  # the figures on hover
    context.close()


def test_the_form_redraws_a_chart_with_a_cut(api: Api, server: str, browser: Any) -> None:
    context = browser.new_context(extra_http_headers=api.read["revops"])
    page = context.new_page()
    page.goto(f"{server}/dashboards/win-rate")
    assert drawn_marks(page)[0] > 0
    page.check("input[name=by][value=segment]")
    page.click(".dash-form button[type=submit]")  # not the layout's "Log out" button
    page.wait_for_url("**by=segment**")
    assert drawn_marks(page)[0] > 0
    legend = page.inner_text(".dash-canvas")
    assert "enterprise" in legend and "smb" in legend  # a line per segment now
    context.close()


def test_the_capacity_planners_charts_are_drawn(api: Api, server: str, browser: Any) -> None:
    context = browser.new_context(extra_http_headers=api.read["comp_admin"])
    page = context.new_page()
    page.goto(f"{server}/capacity?team=team-001&hire_reps=2")
    marks = drawn_marks(page)
    assert len(marks) == 2 and all(m > 0 for m in marks)
    context.close()


def test_a_rep_reads_their_statement_and_not_a_colleagues(
    api: Api, server: str, browser: Any
) -> None:
    context = browser.new_context(extra_http_headers=api.read["sales_rep"])
    page = context.new_page()
    own = page.goto(f"{server}/statements/emp-003/2025Q3")
    assert own is not None and own.status == 200
    assert page.is_visible("text=Credited deals") and page.is_visible("text=Dispute this line")
    colleague = page.goto(f"{server}/statements/emp-004/2025Q3")
    assert colleague is not None and colleague.status == 404
    assert page.is_visible("text=no person 'emp-004'")
    context.close()
