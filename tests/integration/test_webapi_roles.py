"""Every role against every endpoint: nothing outside the role's rights comes back, not
in a list, a count, a deal, a move, a report (pay figures included) or a statement, and a
refusal tells no more than an unknown id would."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from pipefit.store import tables

from .webapi_workspace import EVERYONE, ROLES, Api, api
from .workspaces import query

__all__ = ["api"]  # the fixture, imported for pytest


def deals(api: Api) -> dict[str, tuple[str | None, str | None]]:
    rows = query(api.app.workspace, select(tables.opportunities))
    return {r.opportunity_id: (r.owner_id, r.presales_id) for r in rows}


def expected_deals(api: Api, role: str) -> set[str]:
    """The deals `role` should see, from the hand-derived sets of webapi_workspace."""
    _, _, owners, presales, _ = ROLES[role]
    return {
        d
        for d, (owner, support) in deals(api).items()
        if owners is None or owner in owners or support in presales
    }


def listed(api: Api, role: str) -> tuple[set[str], int]:
    found: list[str] = []
    cursor, total = None, -1
    while True:
        url = "/api/opportunities?limit=100" + (f"&cursor={cursor}" if cursor else "")
        answer = api.client.get(url, headers=api.read[role])
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found += [d["opportunity_id"] for d in body["items"]]
        total = body["total"]
        cursor = body["next_cursor"]
        if cursor is None:
            return set(found), total


def same_but_the_id(a: dict[str, Any], b: dict[str, Any], id_a: str, id_b: str) -> bool:
    return json.dumps(a).replace(id_a, "ID") == json.dumps(b).replace(id_b, "ID")


@pytest.mark.parametrize("role", list(ROLES))
def test_a_role_lists_exactly_the_deals_it_may_see_and_counts_no_others(
    api: Api, role: str
) -> None:
    seen, total = listed(api, role)
    expected = expected_deals(api, role)
    assert expected, role  # every role of the sample sees something
    assert seen == expected and total == len(expected)


@pytest.mark.parametrize("role", list(ROLES))
def test_a_deal_out_of_a_roles_sight_is_not_found_word_for_word_as_an_unknown_one(
    api: Api, role: str
) -> None:
    expected = expected_deals(api, role)
    visible = sorted(expected)[0]
    assert (
        api.client.get(f"/api/opportunities/{visible}", headers=api.read[role]).status_code == 200
    )
    unknown = api.client.get("/api/opportunities/opp-99999", headers=api.read[role])
    for hidden in sorted(set(deals(api)) - expected)[:5]:
        answer = api.client.get(f"/api/opportunities/{hidden}", headers=api.read[role])
        assert answer.status_code == 404
        assert same_but_the_id(answer.json(), unknown.json(), hidden, "opp-99999")
        move = api.client.post(
            f"/api/opportunities/{hidden}/moves",
            headers=api.write[role],
            json={"stage": "Discovery", "version": 0},
        )
        assert move.status_code == 404
        assert same_but_the_id(move.json(), unknown.json(), hidden, "opp-99999")


@pytest.mark.parametrize("role", list(ROLES))
def test_a_role_moves_only_what_it_may_change(api: Api, role: str) -> None:
    """A move to the deal's own stage is refused by the domain ("already in", 422) once
    access lets it through, so the status tells access (403) from the domain's own refusal
    without changing a deal."""
    _, person, owners, _, _ = ROLES[role]
    for deal_id in sorted(expected_deals(api, role))[:5]:
        owner, support = deals(api)[deal_id]
        current = api.client.get(f"/api/opportunities/{deal_id}", headers=api.read[role]).json()
        answer = api.client.post(
            f"/api/opportunities/{deal_id}/moves", headers=api.write[role],
            json={"stage": current["opportunity"]["stage"],
                  "version": current["opportunity"]["version"]},
        )  # fmt: skip
        if role == "comp_admin" or (role == "presales" and support != person):
            assert answer.status_code == 403, (role, deal_id, answer.text)
        else:
            assert answer.status_code == 422, (role, deal_id, answer.text)
            assert "already in" in answer.json()["error"]
        assert owners is None or owner in owners or support == person


REPORTS = ["kpis", "pairs", "funnel", "time-in-stage", "forecast"]


@pytest.mark.parametrize("role", list(ROLES))
def test_a_roles_reports_cover_only_its_deals_and_its_pay(api: Api, role: str) -> None:
    _, person, owners, presales, pay = ROLES[role]
    expected = expected_deals(api, role)
    whole = api.client.get("/api/reports/kpis", headers=api.read[role])
    assert whole.status_code == 200, whole.text
    assert whole.json()["deals"] == len(expected)  # as of now: every deal it sees
    kpis = api.client.get("/api/reports/kpis?period=2025", headers=api.read[role])
    assert kpis.status_code == 200, kpis.text
    for row in kpis.json()["coverage"]["rows"]:
        if row["level"] == "rep" and row["quota"] is not None:
            assert pay is None or row["id"] in pay, (role, row)
    if pay is not None and not pay:  # no one's pay: no quota anywhere, not even in a total
        assert all(r["quota"] is None for r in kpis.json()["coverage"]["rows"])
    if owners is None:
        return
    # no person outside the role's sight is named in any report
    people_in_sight = set(owners) | presales | {person or ""}
    for owner, support in (deals(api)[d] for d in expected):
        people_in_sight |= {owner or "", support or ""}
    for name in REPORTS:
        body = api.client.get(f"/api/reports/{name}?by=rep", headers=api.read[role])
        assert body.status_code in (200, 422), (name, body.text)
        named = {p for p in EVERYONE if f'"{p}"' in body.text or f"{p} +" in body.text}
        assert named <= people_in_sight, (role, name, named - people_in_sight)


STATEMENTS = ["emp-003", "emp-007", "emp-013", "emp-014", "emp-002"]


@pytest.mark.parametrize("role", list(ROLES))
def test_a_statement_is_read_by_its_person_their_managers_and_comp_admins_only(
    api: Api, role: str
) -> None:
    pay = ROLES[role][4]
    unknown = api.client.get("/api/statements/emp-404/2025", headers=api.read[role])
    assert unknown.status_code == 404
    for person in STATEMENTS:
        answer = api.client.get(f"/api/statements/{person}/2025", headers=api.read[role])
        if person == "emp-002" and (pay is None or person in pay):
            # a manager has no plan in the sample: those who may read their pay learn why
            assert answer.status_code == 422 and "no plan" in answer.json()["error"]
        elif pay is None or person in pay:
            assert answer.status_code == 200, (role, person, answer.text)
            assert answer.json()["person"] == person
        else:
            assert answer.status_code == 404, (role, person)
            assert same_but_the_id(answer.json(), unknown.json(), person, "emp-404")


@pytest.mark.parametrize("role", list(ROLES))
def test_only_an_admin_reads_the_audit_log(api: Api, role: str) -> None:
    answer = api.client.get("/api/audit?limit=5", headers=api.read[role])
    if role == "admin":
        assert answer.status_code == 200
        entries = answer.json()
        assert entries and {"at", "actor", "action", "target", "before", "after"} <= set(entries[0])
        assert all("password_hash" not in str(e) for e in entries)
    else:
        assert answer.status_code == 403 and answer.json()["error"] == "the audit log is for admins"
