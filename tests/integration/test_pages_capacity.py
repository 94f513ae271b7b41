"""The capacity planner: a scenario anyone may work through; the team's options for
those who see the team's deals (a manager their own team), with costs, quotas and
on-target earnings only for those who read the team's pay; the segments for those who
see every deal; and the figures are the planning services' own."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pipefit.services.capacity import capacity_scenario, plan_team

from .pages import chart_values, external_references, specs, tables
from .webapi_workspace import ROLES, Api, api

__all__ = ["api"]  # the fixture, imported for pytest


def section(html: str, name: str) -> str:
    start = html.index(f'id="capacity-{name}"')
    end = html.find("</section>", start)
    return html[start:end]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_role_works_through_a_scenario_with_the_articles_arithmetic(
    api: Api, role: str
) -> None:
    url = "/capacity?reps_per_presales=5&rep_quota=900000&gain=0.10"
    page = api.client.get(url, headers=api.read[role])
    assert page.status_code == 200, page.text[:2000]
    scenario = section(page.text, "scenario")
    # the article's medium scenario: 1:5 x $900,000 = $4.5M influenced; x 10% = $450,000
    assert "$4,500,000 influenced" in scenario and "$450,000 extra revenue" in scenario
    assert external_references(page.text) == []


@pytest.mark.parametrize("role", ["sales_rep", "presales"])
def test_a_rep_or_presales_engineer_plans_no_team(api: Api, role: str) -> None:
    page = api.client.get("/capacity?team=team-001", headers=api.read[role])
    assert page.status_code == 200
    for name in ("compare", "segments"):
        part = section(page.text, name)
        assert "dash-problem" in part and "<table" not in part, (role, name)
    assert not specs(page.text)  # no chart of the team's figures


def test_a_manager_plans_their_own_team_with_its_pay_and_no_other(api: Api) -> None:
    page = api.client.get("/capacity", headers=api.read["manager"])
    compare = section(page.text, "compare")
    assert '<option value="team-002" selected>' in page.text and "team-001" not in page.text
    history = tables(compare)[0]["rows"]
    shown = {r["from the history"]: r["value"] for r in history}
    assert shown["team"] == "team-002" and "rep_ote" in shown and "rep_quota" in shown
    assert "cost" in tables(compare)[1]["head"]
    other = api.client.get("/capacity?team=team-001", headers=api.read["manager"])
    unknown = api.client.get("/capacity?team=team-404", headers=api.read["manager"])
    assert "no team &#39;team-001&#39; to plan; yours: team-002" in section(other.text, "compare")
    assert section(other.text, "compare").replace("team-001", "X") == section(
        unknown.text, "compare"
    ).replace("team-404", "X")
    assert "dash-problem" in section(page.text, "segments")  # the whole workspace: not theirs


@pytest.mark.parametrize("role", ["revops", "admin"])
def test_revops_and_admin_plan_any_team_without_its_pay(api: Api, role: str) -> None:
    page = api.client.get("/capacity?team=team-001&hire_reps=2", headers=api.read[role])
    compare = section(page.text, "compare")
    history, options = tables(compare)[:2]
    facts = {r["from the history"] for r in history["rows"]}
    assert not facts & {"rep_quota", "rep_ote", "presales_ote"}
    assert not {"cost", "revenue per cost", "cost basis"} & set(options["head"])
    assert "cost: on-target earnings" not in compare
    paid = api.client.get("/capacity?team=team-001&hire_reps=2", headers=api.read["comp_admin"])
    pay_rows = tables(section(paid.text, "compare"))[0]["rows"]
    earnings = {
        r["value"] for r in pay_rows if r["from the history"] in ("rep_ote", "presales_ote")
    }
    assert earnings and not any(e in compare for e in earnings)  # not in a note either
    drawn = chart_values(next(s for k, s in specs(page.text).items() if "compare" in k))
    assert {v["measure"] for v in drawn} == {"expected revenue (year one)"}
    segments = section(page.text, "segments")
    assert "<table" in segments and "rep quota" not in segments and "influenced" not in segments


def test_a_comp_admin_sees_the_same_options_as_plan_compare(api: Api) -> None:
    page = api.client.get(
        "/capacity?team=team-002&hire_reps=2&hire_presales=1&team_gain=0.08",
        headers=api.read["comp_admin"],
    )
    app = api.app
    report = plan_team(
        app.uow(), app.compensation, app.currency, hire_reps=2, hire_presales=1,
        gain=Decimal("0.08"), team="team-002",
    )  # fmt: skip
    drawn = chart_values(next(s for k, s in specs(page.text).items() if "compare" in k))
    expected = {
        (o.name, "expected revenue (year one)"): float(o.revenue_expected) for o in report.options
    } | {(o.name, "cost (year one)"): float(o.cost) for o in report.options}
    assert {(v["option"], v["measure"]): v["amount"] for v in drawn} == expected
    options = tables(section(page.text, "compare"))[1]["rows"]
    assert [r["option"] for r in options] == [o.name for o in report.options]
    assert [r["cost"] for r in options] == [f"{o.cost:,.2f}" for o in report.options]
    assert "rep quota" in section(page.text, "segments")  # every pay figure, for a comp admin
    m = capacity_scenario(Decimal(10), Decimal(750000), None)
    assert f"${m.extra_revenue:,.0f} extra revenue" in section(page.text, "scenario")


def test_a_wrong_input_is_said_in_its_section_and_htmx_gets_the_results_alone(api: Api) -> None:
    page = api.client.get("/capacity?rep_quota=lots&hire_reps=-1", headers=api.read["revops"])
    assert page.status_code == 200
    assert "&#39;lots&#39; is not a number" in section(page.text, "scenario")
    assert "not a whole number" in section(page.text, "compare")
    headers = {**api.read["revops"], "HX-Request": "true"}
    part = api.client.get("/capacity?hire_reps=3", headers=headers)
    assert "<html" not in part.text and 'id="capacity-compare"' in part.text
