"""The pages a server draws once and keeps for everyone who sees the same rows (the
board's cards, the lead queue's order, a dashboard; `services.kept`) show every change the
moment it is committed, whoever made it: another server process, or a `pipefit` command
on the same database. And a board drawn once for many carries each session's own CSRF
token, never another's."""

from __future__ import annotations

import importlib
import re
import time
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from pipefit.bootstrap import App
from pipefit.domain.access import Principal
from pipefit.domain.users import UserRole
from pipefit.services.access import load_scope
from pipefit.services.lead_queue import decide_lead
from pipefit.services.scoped_deals import MoveRefused, move_deal
from pipefit.webapi import create_app
from pipefit.webapi.templating import KEPT_CSRF

from .test_web_pages import HTMX, cards, open_deals
from .web_workspace import PASSWORD, Web, csrf_of, web
from .webapi_workspace import ROLES

__all__ = ["web"]

ADMIN = Principal("root@example.com", UserRole.ADMIN, None)


def column_of(board: str, deal: str) -> str:
    """The stage column the deal's card stands in on a board page."""
    at = board.index(f'id="card-{deal}"')
    columns = list(re.finditer(r'<section class="column" aria-label="([^"]+)"', board[:at]))
    assert columns, f"no column before {deal}'s card"
    return columns[-1].group(1)


def test_two_sessions_shown_one_kept_board_each_get_their_own_csrf_token(web: Web) -> None:
    one, other = web.logged_in("revops"), web.logged_in("revops")
    first, second = one.get("/board").text, other.get("/board").text
    mine, theirs = csrf_of(first), csrf_of(second)
    assert mine != theirs
    assert KEPT_CSRF not in first and KEPT_CSRF not in second
    forms = re.findall(r'name="csrf_token" value="([^"]*)"', first)
    assert len(forms) > 10 and set(forms) == {mine}
    assert set(re.findall(r'name="csrf_token" value="([^"]*)"', second)) == {theirs}
    # The token works for a change from the kept page (and the other's does not).
    deal = sorted(cards(first))[0]
    form = {"csrf_token": theirs, "opportunity_id": deal, "stage": "Closed won"}
    assert one.post("/board/move", data=form, headers=HTMX).status_code == 403


def test_two_sessions_shown_one_kept_lead_queue_each_get_their_own_csrf_token(web: Web) -> None:
    one, other = web.logged_in("revops"), web.logged_in("revops")
    first, second = one.get("/leads").text, other.get("/leads").text
    mine, theirs = csrf_of(first), csrf_of(second)
    assert mine != theirs and KEPT_CSRF not in first + second
    # two routing forms per lead, every one with the session's own token
    forms = re.findall(r'name="csrf_token" value="([^"]*)"', first)
    assert len(forms) > 2 * len(re.findall(r'id="lead-', first)) > 0 and set(forms) == {mine}
    assert set(re.findall(r'name="csrf_token" value="([^"]*)"', second)) == {theirs}


def _movable(app: App, deal: str) -> str:
    """A stage the deal may move to without more evidence (tried through the gate)."""
    with app.uow() as uow:
        pipeline = uow.deals.pipelines()[open_deals_of(app)[deal][2]]
    here = open_deals_of(app)[deal][3]
    scope = load_scope(app.uow(), ADMIN)
    for stage in [s.name for s in pipeline.stages if s.name != here]:
        try:
            move_deal(app.uow(), app.accounts(), scope, deal, stage)
        except MoveRefused:
            continue
        return stage
    pytest.fail(f"no stage accepts {deal} without evidence")


def open_deals_of(app: App) -> dict[str, tuple[str | None, str | None, str, str]]:
    with app.uow() as uow:
        return {
            o.opportunity_id: (o.owner_id, o.presales_id, o.pipeline, o.stage)
            for o in uow.deals.list_opportunities()
            if str(o.outcome) == "open"
        }


def test_a_move_made_by_another_process_shows_on_this_servers_next_board(web: Web) -> None:
    browser = web.logged_in("admin")
    before = browser.get("/board").text
    deal = sorted(cards(before))[0]
    was = column_of(before, deal)
    assert browser.get("/board").text.count(f'id="card-{deal}"') == 1  # kept: same page
    other = App(web.app.workspace)  # another process on the same database
    try:
        moved_to = _movable(other, deal)
    finally:
        other.close()
    after = browser.get("/board").text
    if deal in cards(after):  # still among the oldest drawn in its new column
        assert column_of(after, deal) == moved_to != was
    else:  # or counted there, beyond the drawn cards
        assert open_deals(web)[deal][3] == moved_to


def test_a_lead_routed_through_another_server_leaves_this_servers_queue(web: Web) -> None:
    browser = web.logged_in("revops")
    queue = browser.get("/leads").text
    listed = re.findall(r'id="lead-([^"]+)"', queue)
    assert listed, "the queue lists no lead"
    lead = listed[0]
    second = App(web.app.workspace)
    try:
        api = create_app(second, secure_cookies=True)  # a second server, its own keeping
        assert api.state.kept is not web.api.state.kept
        scope = load_scope(second.uow(), Principal(ROLES["revops"][0], UserRole.REVOPS, None))
        decide_lead(second.uow(), second.accounts(), second.workspace.config.qualification,
                    scope, lead, "disqualify", note="not a fit")  # fmt: skip
    finally:
        second.close()
    again = re.findall(r'id="lead-([^"]+)"', browser.get("/leads").text)
    assert lead not in again


def test_a_dashboard_as_of_a_date_is_kept_and_redrawn_after_a_change(web: Web) -> None:
    browser = web.logged_in("revops")
    url = "/dashboards/funnel?as_of=" + datetime.now().strftime("%Y-%m-%d")
    first = browser.get(url)
    assert first.status_code == 200
    kept = web.api.state.kept
    computed = kept.computed
    assert browser.get(url).text == first.text
    assert kept.computed == computed  # the second read computed nothing
    with web.app.uow() as uow:
        uow.commit()  # any committed write moves the data version
    assert browser.get(url).status_code == 200
    assert kept.computed > computed


def test_logging_in_does_not_throw_away_what_is_kept(web: Web) -> None:
    browser = web.logged_in("revops")
    browser.get("/board")
    computed = web.api.state.kept.computed
    for role in ("sales_rep", "manager", "revops"):
        fresh = web.client()
        answer = fresh.post(
            "/login", data={"email": ROLES[role][0], "password": PASSWORD}, follow_redirects=False
        )
        assert answer.status_code == 303  # a session written, nothing else read
    browser.get("/board")
    assert web.api.state.kept.computed == computed


def test_a_dashboard_as_of_now_says_when_its_figures_are_from_and_is_kept_across_writes(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = web.logged_in("revops")
    first = browser.get("/dashboards/funnel")
    assert first.status_code == 200
    stamp = re.search(r"Figures as of (\d{4}-\d\d-\d\d \d\d:\d\d) UTC", first.text)
    assert stamp, "the dashboard does not say when its figures are from"
    with web.app.uow() as uow:
        uow.commit()  # a write: a dashboard as of now is not drawn again for it

    def no_report(*_: object) -> None:
        raise AssertionError("the dashboard was drawn again after a write")

    # (the package's `dashboards` is the router: the module is reached by its full name)
    pages = importlib.import_module("pipefit.webapi.pages_dash.dashboards")
    monkeypatch.setattr(pages, "_panel", no_report)
    again = browser.get("/dashboards/funnel")
    assert again.status_code == 200 and stamp.group(0) in again.text


def test_a_server_reads_the_stage_clock_as_it_starts_before_anyone_asks(web: Web) -> None:
    second = App(web.app.workspace)
    try:
        api = create_app(second, secure_cookies=True)
        with TestClient(api):  # runs the server's start (its lifespan), no request made
            deadline = time.monotonic() + 30
            while api.state.kept.computed == 0:
                assert time.monotonic() < deadline, "the stage clock was not read at start"
                time.sleep(0.05)
    finally:
        second.close()
