"""The statement pages: one's own statement with every line; a manager's people's and
everyone's for a comp admin; a peer's is a 404 worded as an unknown person's; a person
disputes a line, a comp admin resolves it, both in the audit log; a closed period's
statement takes no dispute and reads as it was kept, whatever changes later."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from pipefit.services.period_close import close_period
from pipefit.store.database import make_engine
from pipefit.store.dispute_tables import statement_disputes

from .pages import external_references, tables
from .webapi_workspace import ROLES, Api, api

__all__ = ["api"]  # the fixture, imported for pytest

OPEN = "2025Q3"
PEOPLE = ["emp-003", "emp-007", "emp-013", "emp-014"]  # reps and presales, each with a plan


def statement_json(api: Api, person: str, period: str) -> dict[str, object]:
    answer = api.client.get(f"/api/statements/{person}/{period}", headers=api.read["comp_admin"])
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def disputes_kept(api: Api) -> list[dict[str, object]]:
    engine = make_engine(api.app.workspace.database_url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(statement_disputes))]
    finally:
        engine.dispose()


def statement_block(html: str) -> str:
    found = re.search(
        r'<div class="dash-statement" id="statement">(.*?)</div>\n<section', html, re.S
    )
    assert found, html[:3000]
    return found.group(1)


def test_a_person_reads_their_own_statement_with_its_deals_and_every_line(api: Api) -> None:
    page = api.client.get(f"/statements/emp-003/{OPEN}", headers=api.read["sales_rep"])
    assert page.status_code == 200, page.text
    expected = statement_json(api, "emp-003", OPEN)
    for deal in expected["deals"]:  # type: ignore[attr-defined]
        assert deal["opportunity_id"] in page.text
    shown = tables(page.text)
    pay_lines = [r["line"] for r in shown[1]["rows"]]
    for line in expected["lines"]:  # type: ignore[attr-defined]
        assert any(row.startswith(line["label"]) for row in pay_lines), line["label"]
    assert 'name="csrf_token"' in page.text and "Dispute this line" in page.text
    assert external_references(page.text) == []


@pytest.mark.parametrize("role", list(ROLES))
def test_a_statement_page_opens_for_its_person_their_managers_and_comp_admins_only(
    api: Api, role: str
) -> None:
    pay = ROLES[role][4]
    unknown = api.client.get(f"/statements/emp-404/{OPEN}", headers=api.read[role])
    assert unknown.status_code == 404
    for person in PEOPLE:
        page = api.client.get(f"/statements/{person}/{OPEN}", headers=api.read[role])
        if pay is None or person in pay:
            assert page.status_code == 200, (role, person, page.text[:500])
            assert f"({person})" in page.text
        else:  # the same page as for no such person: existence does not leak
            assert page.status_code == 404, (role, person)
            assert page.text.replace(person, "ID") == unknown.text.replace("emp-404", "ID")


@pytest.mark.parametrize("role", list(ROLES))
def test_the_statements_index_lists_only_the_people_whose_pay_the_role_reads(
    api: Api, role: str
) -> None:
    pay = ROLES[role][4]
    page = api.client.get(f"/statements?period={OPEN}", headers=api.read[role])
    assert page.status_code == 200, page.text
    listed = {
        row["person"]
        for t in tables(page.text)
        if t["caption"] == "Statements you may read"
        for row in t["rows"]
    }
    paid = {f"emp-{i:03d}" for i in range(3, 15)}  # reps and presales have plans
    assert listed == (paid if pay is None else paid & pay), role
    others = set(PEOPLE) - (pay if pay is not None else set(PEOPLE))
    assert not any(f">{p}<" in page.text for p in others), role


def test_a_person_disputes_a_line_and_a_comp_admin_resolves_it_both_audited(api: Api) -> None:
    url = f"/statements/emp-003/{OPEN}"
    answer = api.client.post(
        f"{url}/disputes", headers=api.write["sales_rep"],
        data={"line": "pay:1", "note": "ACME-RENEWAL-Q3 closed in September, not October",
              "csrf_token": ""},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == f"{url}#disputes"
    page = api.client.get(url, headers=api.read["sales_rep"])
    assert "ACME-RENEWAL-Q3 closed in September, not October" in page.text
    kept = [d for d in disputes_kept(api) if d["note"].startswith("ACME-RENEWAL-Q3")]
    assert (
        len(kept) == 1 and kept[0]["status"] == "open" and kept[0]["raised_by"] == "rep@example.com"
    )
    # the comp admin sees it among the open disputes and resolves it on the statement page
    listed = api.client.get(f"/statements?period={OPEN}", headers=api.read["comp_admin"])
    assert "ACME-RENEWAL-Q3 closed in September" in listed.text
    admin_page = api.client.get(url, headers=api.read["comp_admin"])
    assert f'action="/disputes/{kept[0]["dispute_id"]}/resolution"' in admin_page.text
    done = api.client.post(
        f"/disputes/{kept[0]['dispute_id']}/resolution", headers=api.write["comp_admin"],
        data={"resolution": "credit moved to 2025Q3: see the next run", "csrf_token": ""},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303
    peers = api.client.get(f"/statements?period={OPEN}", headers=api.read["peer_rep"])
    assert "ACME-RENEWAL-Q3" not in peers.text  # open disputes: only of statements one reads
    page = api.client.get(url, headers=api.read["sales_rep"])
    assert "Resolved by pay@example.com" in page.text
    assert "credit moved to 2025Q3: see the next run" in page.text
    audit = api.client.get("/api/audit?limit=20", headers=api.read["admin"]).json()
    actions = {e["action"]: e for e in audit}
    assert actions["dispute.raise"]["actor"] == "rep@example.com"
    assert actions["dispute.raise"]["after"]["note"].startswith("ACME-RENEWAL-Q3")
    assert actions["dispute.resolve"]["actor"] == "pay@example.com"
    assert actions["dispute.resolve"]["before"]["status"] == "open"
    assert actions["dispute.resolve"]["after"]["status"] == "resolved"
    again = api.client.post(
        f"/disputes/{kept[0]['dispute_id']}/resolution", headers=api.write["comp_admin"],
        data={"resolution": "twice"}, follow_redirects=False,
    )  # fmt: skip
    assert again.status_code == 409 and "already resolved" in again.text


def test_only_the_statements_person_disputes_it_and_only_a_comp_admin_resolves(
    api: Api,
) -> None:
    before = len(disputes_kept(api))
    form = {"line": "pay:1", "note": "this is wrong"}
    manager = api.client.post(
        "/statements/emp-008/2025Q3/disputes", headers=api.write["manager"], data=form
    )
    assert manager.status_code == 403 and "only the person" in manager.text
    admin = api.client.post(
        "/statements/emp-008/2025Q3/disputes", headers=api.write["comp_admin"], data=form
    )
    assert admin.status_code == 403
    peer = api.client.post(
        "/statements/emp-003/2025Q3/disputes", headers=api.write["peer_rep"], data=form
    )
    unknown = api.client.post(
        "/statements/emp-404/2025Q3/disputes", headers=api.write["peer_rep"], data=form
    )
    assert peer.status_code == unknown.status_code == 404
    assert peer.text.replace("emp-003", "ID") == unknown.text.replace("emp-404", "ID")
    reader = api.client.post(
        "/statements/emp-003/2025Q3/disputes", headers=api.read["sales_rep"], data=form
    )
    assert reader.status_code == 403  # a read-only token changes nothing
    assert len(disputes_kept(api)) == before
    own = api.client.post(
        "/statements/emp-003/2025Q3/disputes", headers=api.write["sales_rep"], data=form,
        follow_redirects=False,
    )  # fmt: skip
    assert own.status_code == 303
    dispute_id = max(int(d["dispute_id"]) for d in disputes_kept(api))  # type: ignore[call-overload]
    for role in ("sales_rep", "manager", "revops", "admin"):
        answer = api.client.post(
            f"/disputes/{dispute_id}/resolution", headers=api.write[role],
            data={"resolution": "fine"},
        )  # fmt: skip
        assert answer.status_code == 403, role


def test_a_dispute_needs_a_note_and_a_line_of_the_statement(api: Api) -> None:
    before = len(disputes_kept(api))
    url = "/statements/emp-003/2025Q3/disputes"
    blank = api.client.post(
        url, headers=api.write["sales_rep"], data={"line": "pay:1", "note": " "}
    )
    assert blank.status_code == 422 and "a dispute needs a note" in blank.text
    assert "<form" in blank.text  # the statement again, the form to try again
    stray = api.client.post(
        url, headers=api.write["sales_rep"], data={"line": "pay:99", "note": "x"}
    )
    assert stray.status_code == 404 and "no line &#39;pay:99&#39;" in stray.text
    assert len(disputes_kept(api)) == before


def test_a_closed_periods_statement_takes_no_dispute_and_reads_as_it_was_kept(api: Api) -> None:
    app = api.app
    close_period(app.uow(), app.compensation, app.currency, "2025Q1", closed_by="pay@example.com")
    url = "/statements/emp-003/2025Q1"
    page = api.client.get(url, headers=api.read["sales_rep"])
    assert page.status_code == 200
    assert "2025Q1 is closed (by pay@example.com" in page.text
    assert "/disputes" not in page.text.split('id="disputes"')[1]  # no form to dispute with
    kept_block = statement_block(page.text)
    before = len(disputes_kept(api))
    refused = api.client.post(
        f"{url}/disputes", headers=api.write["sales_rep"], data={"line": "pay:1", "note": "late"}
    )
    assert refused.status_code == 422 and "its statements stay as they were paid" in refused.text
    assert len(disputes_kept(api)) == before
    # a late change to a deal it credits (opp-010 handed to another rep): the closed
    # statement reads the same, byte for byte; the change is paid in the first open period
    deal = statement_json(api, "emp-003", "2025Q1")["deals"][0]["opportunity_id"]  # type: ignore[index]
    engine = make_engine(app.workspace.database_url)
    try:
        with engine.begin() as conn:
            handed = "UPDATE opportunities SET owner_id = 'emp-004' WHERE opportunity_id = :d"
            conn.execute(text(handed), {"d": deal})
    finally:
        engine.dispose()
    later = api.client.get(url, headers=api.read["sales_rep"])
    assert statement_block(later.text) == kept_block
    lines = statement_json(api, "emp-003", "2025Q2")["lines"]
    assert any(line["kind"] == "adjustment" and line["origin"] == "2025Q1" for line in lines)  # type: ignore[index, union-attr, attr-defined]
    index = api.client.get("/statements?period=2025Q1", headers=api.read["comp_admin"])
    assert "2025Q1 is closed" in index.text and "Closed periods" in index.text
