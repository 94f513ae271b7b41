"""The web pages in a real headless Chromium against `pipefit serve`: logging in, a move
refused by the gate and accepted once the evidence is recorded, a lead qualified from the
queue, a wrong password refused and repeated failures slowed down, and the board read
with JavaScript off."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from pipefit.bootstrap import App
from pipefit.domain.access import Principal
from pipefit.domain.users import UserRole
from pipefit.services.access import load_scope
from pipefit.services.scoped_deals import MoveRefused, move_deal
from pipefit.store import tables
from tests.integration.workspaces import query

from .conftest import USERS, login

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow

TARGET = "Formal proposal"


def _open_deal_of(app: App, person: str) -> str:
    rows = query(app.workspace, select(tables.opportunities).where(
        tables.opportunities.c.outcome == "open", tables.opportunities.c.owner_id == person,
        tables.opportunities.c.stage != TARGET))  # fmt: skip
    return sorted(r.opportunity_id for r in rows)[0]


def _stage_of(app: App, deal: str) -> str:
    rows = query(app.workspace, select(tables.opportunities.c.stage).where(
        tables.opportunities.c.opportunity_id == deal))  # fmt: skip
    return str(rows[0].stage)


def test_a_user_logs_in_and_lands_on_their_board(page: Page) -> None:
    login(page, USERS["sales_rep"][0])
    assert page.locator("h1").inner_text() == "Pipeline board"
    assert page.locator("#flash").inner_text() == "Logged in as rep@example.com"
    assert page.locator("li.card").count() > 0
    assert page.locator(".column header .count").first.is_visible()


def test_a_move_is_refused_in_place_then_accepted_after_the_evidence_is_added(
    page: Page, served_workspace: App
) -> None:
    app = served_workspace
    deal = _open_deal_of(app, "emp-003")
    login(page, USERS["sales_rep"][0])
    card = page.locator(f"#card-{deal}")
    card.get_by_label(f"Move {deal} to").select_option(TARGET)
    card.get_by_role("button", name="Move").click()
    refusal = page.locator(f"#refusal-{deal}")
    refusal.get_by_text("Missing evidence").wait_for()
    assert f"{deal} cannot move to {TARGET}" in refusal.inner_text()
    assert page.url.endswith("/board")  # shown in place: no page change
    assert _stage_of(app, deal) != TARGET

    # What the gate asks for, by the same service, then recorded through the deal's page.
    scope = load_scope(app.uow(), Principal("rep@example.com", UserRole.SALES_REP, "emp-003"))
    with pytest.raises(MoveRefused) as refused:
        move_deal(app.uow(), app.accounts(), scope, deal, TARGET)
    for need in refused.value.missing:
        assert need["description"] in refusal.inner_text()
    page.goto(f"/deals/{deal}")
    for need in refused.value.missing:
        page.get_by_label("Evidence", exact=True).select_option(need["kind"])
        page.get_by_label("Purpose").select_option(need["purpose"] or "")
        page.get_by_label("By", exact=True).select_option(need["by"] or "")
        page.get_by_role("button", name="Record").click()
        page.locator("#flash").get_by_text("Evidence recorded").wait_for()

    page.goto("/board")
    card = page.locator(f"#card-{deal}")
    card.get_by_label(f"Move {deal} to").select_option(TARGET)
    card.get_by_role("button", name="Move").click()
    page.locator("#flash").get_by_text(f"{deal} moved to {TARGET}").wait_for()
    assert _stage_of(app, deal) == TARGET


def test_a_lead_is_qualified_from_the_queue(page: Page, served_workspace: App) -> None:
    login(page, USERS["revops"][0])
    page.get_by_role("link", name="Leads").click()
    first = page.locator("tr[data-lead]").first
    lead = first.get_attribute("data-lead")
    first.get_by_role("button", name=f"Qualify {lead} by the rules").click()
    page.locator("#flash").get_by_text(f"{lead} qualified:").wait_for()
    rows = query(served_workspace.workspace, select(tables.lead_decisions).where(
        tables.lead_decisions.c.lead_id == lead))  # fmt: skip
    assert rows


def test_a_wrong_password_is_refused_and_repeated_failures_are_slowed(page: Page) -> None:
    email = USERS["locked"][0]
    for _ in range(5):  # answered at once: Throttle.free_per_email is 5
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Log in").click()
        assert page.locator("#login-error").inner_text() == "the email or password is wrong"
    page.get_by_label("Password").fill("correct horse battery staple")  # right, but too soon
    page.get_by_role("button", name="Log in").click()
    message = page.locator("#login-error").inner_text()
    assert re.fullmatch(r"too many failed logins for this email: try again in \d+ seconds", message)
    assert "/board" not in page.url


def test_with_javascript_off_the_board_reads_and_a_refusal_still_shows(
    browser: Browser, live_server: str, served_workspace: App
) -> None:
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, USERS["manager"][0])
        assert page.locator("li.card").count() > 0
        deal = _open_deal_of(served_workspace, "emp-007")
        page.goto("/board?owner=emp-007")
        card = page.locator(f"#card-{deal}")
        card.get_by_label(f"Move {deal} to").select_option(TARGET)
        card.get_by_role("button", name="Move").click()  # a plain form post, answered 409
        assert f"{deal} cannot move to {TARGET}" in page.locator(f"#refusal-{deal}").inner_text()
    finally:
        context.close()


def test_the_board_fits_a_phone_screen(
    browser: Browser, live_server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        login(page, USERS["sales_rep"][0])
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing wider than the screen: the columns stack
        shot = tmp_path_factory.mktemp("shots") / "board-phone.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 0
    finally:
        context.close()
