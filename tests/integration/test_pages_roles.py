"""Every role against every page of the dashboards, statements, capacity planner and
import: the status the policy gives, nothing from another host, and no person outside the
role's sight named anywhere on a page (not in a chart's data, a table or a menu)."""

from __future__ import annotations

import pytest

from pipefit.webapi.pages_dash.dashboards import DASHBOARDS

from .pages import external_references
from .test_webapi_roles import deals, expected_deals
from .webapi_workspace import EVERYONE, ROLES, Api, api

__all__ = ["api"]  # the fixture, imported for pytest

PERIOD = "2025Q3"


def pages(role: str) -> dict[str, int]:
    """Each page of this branch and the status `role` gets, by the policy's table."""
    pay = ROLES[role][4]
    expected = {"/dashboards": 200, "/capacity": 200, f"/statements?period={PERIOD}": 200}
    expected |= {f"/dashboards/{slug}": 200 for slug in DASHBOARDS}
    for person in ("emp-003", "emp-008", "emp-013"):
        expected[f"/statements/{person}/{PERIOD}"] = 200 if pay is None or person in pay else 404
    expected["/import"] = 200 if role in ("revops", "admin") else 403
    return expected


def in_sight(api: Api, role: str) -> set[str] | None:
    """The people `role` may see named (None: everyone)."""
    _, person, owners, presales, _ = ROLES[role]
    if owners is None:
        return None
    seen = set(owners) | presales | ({person} if person else set())
    for deal in expected_deals(api, role):
        owner, support = deals(api)[deal]
        seen |= {p for p in (owner, support) if p}
    return seen


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_answers_a_role_as_the_policy_says_and_names_no_one_out_of_sight(
    api: Api, role: str
) -> None:
    seen = in_sight(api, role)
    for url, status in pages(role).items():
        page = api.client.get(url, headers=api.read[role])
        assert page.status_code == status, (role, url, page.text[:300])
        assert external_references(page.text) == [], (role, url)
        if seen is not None and status == 200:
            named = {p for p in EVERYONE if p in page.text}
            assert named <= seen, (role, url, sorted(named - seen))


def test_no_page_answers_without_a_login(api: Api) -> None:
    for url in pages("admin"):
        answer = api.client.get(url, follow_redirects=False)
        # a browser is sent to the login page, and back here after
        assert answer.status_code == 303, url
        assert answer.headers["location"].startswith("/login?next="), url
