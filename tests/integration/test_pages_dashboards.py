"""The dashboards: every report as a chart and a table, for every role, over what the role
may see; the figures are the report service's own, and nothing comes from another host."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from pipefit.analytics.query import ReportQuery
from pipefit.services.reports import run_report
from pipefit.webapi.pages_dash.dashboards import DASHBOARDS

from .pages import chart_values, external_references, specs, tables
from .webapi_workspace import ROLES, TEAM_2, Api, api

__all__ = ["api"]  # the fixture, imported for pytest


def report(api: Api, name: str, **asked: object) -> object:
    """A report as `pipefit report` runs it, over every deal (what a comp admin sees)."""
    query = ReportQuery(**asked)  # type: ignore[arg-type]
    return run_report(api.app.uow(), name, query, api.app.analytics_settings)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_dashboard_draws_a_chart_with_data_and_its_tables_for_every_role(
    api: Api, role: str
) -> None:
    index = api.client.get("/dashboards", headers=api.read[role])
    assert index.status_code == 200
    for slug in DASHBOARDS:
        assert f'href="/dashboards/{slug}"' in index.text
        page = api.client.get(f"/dashboards/{slug}", headers=api.read[role])
        assert page.status_code == 200, (role, slug, page.text[:2000])
        drawn = specs(page.text)
        assert len(drawn) == len(DASHBOARDS[slug].panels), (role, slug)
        assert all("$schema" in spec for spec in drawn.values())
        assert tables(page.text), (role, slug)  # the same figures, for JavaScript off
        assert page.text.count("<html") == 1


def test_the_funnel_chart_counts_what_the_funnel_report_counts(api: Api) -> None:
    page = api.client.get("/dashboards/funnel", headers=api.read["comp_admin"])
    values = chart_values(next(iter(specs(page.text).values())))
    expected = report(api, "funnel").rows.to_pylist()  # type: ignore[attr-defined]
    assert values and len(values) == len(expected)
    drawn = {(v["pipeline"], v["form"], v["step"]): v["count"] for v in values}
    assert drawn == {(r["pipeline"], r["form"], r["step"]): r["count"] for r in expected}


def test_the_win_rate_chart_is_the_kpis_report_cut_by_period(api: Api) -> None:
    page = api.client.get("/dashboards/win-rate", headers=api.read["comp_admin"])
    values = chart_values(next(iter(specs(page.text).values())))
    rows = report(api, "kpis", by=("period",)).rows.to_pylist()  # type: ignore[attr-defined]
    expected = {
        r["period"]: (r["win_rate"], r["sales_velocity_per_month"]) for r in rows if r["period"]
    }
    assert expected
    assert {v["period"]: (v["win_rate"], v["sales_velocity_per_month"]) for v in values} == expected


def test_the_pairs_and_backtest_charts_hold_the_reports_figures(api: Api) -> None:
    page = api.client.get("/dashboards/pairs", headers=api.read["comp_admin"])
    values = chart_values(next(iter(specs(page.text).values())))
    pairs = report(api, "pairs").rows.to_pylist()  # type: ignore[attr-defined]
    assert {(v["owner_id"], v["presales_id"]): v["win_rate"] for v in values} == {
        (r["owner_id"], r["presales_id"]): r["win_rate"] for r in pairs if r["win_rate"] is not None
    }
    page = api.client.get("/dashboards/forecast", headers=api.read["comp_admin"])
    backtest = next(s for k, s in specs(page.text).items() if "forecast-backtest" in k)
    rows = report(api, "forecast-backtest").rows.to_pylist()  # type: ignore[attr-defined]
    actual = {v["period"]: v["amount"] for v in chart_values(backtest) if v["series"] == "actual"}
    assert actual == {r["period"]: r["actual"] for r in rows}


def test_the_coverage_table_shows_the_reports_figures_to_a_comp_admin(api: Api) -> None:
    page = api.client.get("/dashboards/coverage?period=2025Q4", headers=api.read["comp_admin"])
    result = report(api, "kpis", period="2025Q4")
    expected = result.summary["coverage"]["rows"]  # type: ignore[attr-defined]
    shown = next(t for t in tables(page.text) if t["caption"].startswith("Coverage"))["rows"]
    assert [(r["level"], r["id"]) for r in shown] == [(r["level"], r["id"]) for r in expected]
    for cells, row in zip(shown, expected, strict=True):
        # amounts as people read them: thousands separators, no decimals (views.reports)
        for key in ("open_pipeline", "quota"):
            value = row[key]
            assert cells[key.replace("_", " ")] == ("—" if value is None else f"{value:,.0f}")


@pytest.mark.parametrize("role", ["sales_rep", "manager", "revops", "presales"])
def test_coverage_never_shows_the_quota_of_someone_whose_pay_the_role_may_not_read(
    api: Api, role: str
) -> None:
    pay = ROLES[role][4]
    page = api.client.get("/dashboards/coverage?period=2025Q4", headers=api.read[role])
    assert page.status_code == 200
    rows = next(t for t in tables(page.text) if t["caption"].startswith("Coverage"))["rows"]
    for row in rows:
        if row["level"] == "rep" and row["quota"] != "—":
            assert pay is not None and row["id"] in pay, (role, row)
    quotas = [v for v in chart_values(next(iter(specs(page.text).values())))
              if v["measure"] == "quota to reach"]  # fmt: skip
    assert {v["rep"] for v in quotas} <= (pay or set())
    if role == "manager":  # the manager reads their own team's quotas
        assert {v["rep"] for v in quotas} and {v["rep"] for v in quotas} <= TEAM_2


def test_a_reps_dashboards_name_no_other_rep(api: Api) -> None:
    for slug in ("pairs", "coverage", "time-in-stage"):
        page = api.client.get(f"/dashboards/{slug}?by=rep", headers=api.read["sales_rep"])
        assert page.status_code == 200
        assert "emp-007" not in page.text and "emp-004" not in page.text, slug


def test_a_dashboard_takes_the_clis_cuts_filters_and_as_of(api: Api) -> None:
    url = "/dashboards/time-in-stage?by=segment&where=segment=enterprise&as_of=2025-06-30"
    page = api.client.get(url, headers=api.read["comp_admin"])
    assert page.status_code == 200
    assert 'value="segment" checked' in page.text and 'value="segment=enterprise"' in page.text
    expected = report(
        api, "time-in-stage", by=("segment",), where={"segment": ("enterprise",)},
        as_of=datetime(2025, 6, 30, tzinfo=UTC),
    ).rows.to_pylist()  # type: ignore[attr-defined]  # fmt: skip
    drawn = chart_values(next(iter(specs(page.text).values())))
    assert {v["stage"] for v in drawn} <= {r["stage"] for r in expected}
    assert "/api/reports/time-in-stage?by=segment&where=segment%3Denterprise&as_of=2025-06-30" in (
        page.text.replace("&amp;", "&")
    )


def test_htmx_gets_only_the_redrawn_part_and_a_plain_form_the_whole_page(api: Api) -> None:
    headers = {**api.read["revops"], "HX-Request": "true"}
    part = api.client.get("/dashboards/funnel?by=segment", headers=headers)
    assert part.status_code == 200 and "<html" not in part.text and "dash-panel" in part.text
    assert specs(part.text)
    whole = api.client.get("/dashboards/funnel?by=segment", headers=api.read["revops"])
    assert "<html" in whole.text and 'hx-target="#dash-body"' in whole.text


def test_a_wrong_cut_or_date_is_said_beside_the_form_in_the_domains_words(api: Api) -> None:
    page = api.client.get("/dashboards/funnel?by=colour", headers=api.read["revops"])
    assert page.status_code == 422
    assert "the funnel dashboard is not cut by &#39;colour&#39;" in page.text
    assert "<form" in page.text
    page = api.client.get("/dashboards/flow?as_of=yesterday", headers=api.read["revops"])
    assert page.status_code == 422 and "is not a date" in page.text
    htmx = {**api.read["revops"], "HX-Request": "true"}
    part = api.client.get("/dashboards/funnel?by=colour", headers=htmx)
    assert part.status_code == 200 and "not cut by &#39;colour&#39;" in part.text  # swapped in
    missing = api.client.get("/dashboards/horoscope", headers=api.read["revops"])
    assert missing.status_code == 404


def test_a_dashboard_needs_a_login(api: Api) -> None:
    answer = api.client.get("/dashboards/funnel", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fdashboards%2Ffunnel"


def test_no_dashboard_loads_anything_from_another_host(api: Api) -> None:
    for slug in ["", *(f"/{s}" for s in DASHBOARDS)]:
        page = api.client.get(f"/dashboards{slug}", headers=api.read["comp_admin"])
        assert external_references(page.text) == [], slug
    page = api.client.get("/dashboards/funnel", headers=api.read["comp_admin"])
    for script in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js",
                   "vega-interpreter.min.js"):  # fmt: skip
        assert f'src="/static/vendor/vega/{script}"' in page.text
        served = api.client.get(f"/static/vendor/vega/{script}")
        assert served.status_code == 200 and len(served.content) > 1000
    assert api.client.get("/static/dash.js").status_code == 200
    assert api.client.get("/static/dash.css").status_code == 200


@pytest.mark.parametrize("slug", list(DASHBOARDS))
def test_every_cut_a_dashboards_form_offers_draws_its_charts(api: Api, slug: str) -> None:
    page = api.client.get(f"/dashboards/{slug}", headers=api.read["comp_admin"])
    offered = re.findall(r'name="by" value="([a-z]+)"', page.text)
    assert offered == list(DASHBOARDS[slug].cuts)
    for cut in offered:
        answer = api.client.get(f"/dashboards/{slug}?by={cut}", headers=api.read["comp_admin"])
        assert answer.status_code == 200, (slug, cut, answer.text[:300])
        assert len(specs(answer.text)) == len(DASHBOARDS[slug].panels), (slug, cut)
