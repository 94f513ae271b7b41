"""The HTTP API on a generated company: each endpoint, its errors and its documentation."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from pipefit.services.deals import add_activity
from pipefit.services.reports import names as report_names
from pipefit.store import tables
from pipefit.webapi import create_app

from .webapi_workspace import TEAM_1, TEAM_2, Api, api
from .workspaces import query

__all__ = ["api"]  # the fixture, imported for pytest


def test_the_sample_org_chart_is_the_one_these_tests_assume(api: Api) -> None:
    people = {r.person_id: r.team_id for r in query(api.app.workspace, select(tables.people))}
    teams = {r.team_id: r.manager_id for r in query(api.app.workspace, select(tables.teams))}
    assert {p for p, t in people.items() if t == "team-001"} == TEAM_1 | {"emp-001", "emp-013"}
    assert {p for p, t in people.items() if t == "team-002"} == TEAM_2 | {"emp-002", "emp-014"}
    assert teams == {"team-001": "emp-001", "team-002": "emp-002"}
    members = {
        (r.pool_id, r.person_id, r.kind)
        for r in query(api.app.workspace, select(tables.pool_members))
    }
    assert {p for pool, p, k in members if pool == "pool-001" and k == "covered_rep"} == TEAM_1
    assert {p for pool, p, k in members if pool == "pool-001" and k == "member"} == {"emp-013"}


def test_a_call_without_a_token_or_with_a_forged_one_is_401_in_json(api: Api) -> None:
    bare = api.client.get("/api/opportunities")
    forged = api.client.get("/api/opportunities", headers={"Authorization": "Bearer pf_x_y"})
    assert bare.status_code == forged.status_code == 401
    assert set(bare.json()) == {"error", "field"} and "token" in bare.json()["error"]
    assert forged.headers["www-authenticate"] == "Bearer"


def all_pages(api: Api, headers: dict[str, str], params: str = "") -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        url = f"/api/opportunities?limit=37{params}" + (f"&cursor={cursor}" if cursor else "")
        page = api.client.get(url, headers=headers)
        assert page.status_code == 200, page.text
        body = page.json()
        found += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return found


def test_the_cursor_walks_every_deal_once_in_order_and_total_counts_them(api: Api) -> None:
    admin = api.read["admin"]
    deals = all_pages(api, admin)
    ids = [d["opportunity_id"] for d in deals]
    assert len(ids) == 300 == len(set(ids)) and ids == sorted(ids)
    assert api.client.get("/api/opportunities?limit=5", headers=admin).json()["total"] == 300
    newest = all_pages(api, admin, "&sort=-created_at")
    times = [d["created_at"] for d in newest]
    assert times == sorted(times, reverse=True) and len(newest) == 300


def test_lists_filter_by_owner_stage_and_segment(api: Api) -> None:
    admin = api.read["admin"]
    owned = all_pages(api, admin, "&owner=emp-004")
    assert owned and {d["owner_id"] for d in owned} == {"emp-004"}
    in_discovery = all_pages(api, admin, "&stage=discovery")
    assert in_discovery and {d["stage"] for d in in_discovery} == {"Discovery"}
    segments = {r.account_id: r.segment for r in query(api.app.workspace, select(tables.accounts))}
    smb = all_pages(api, admin, "&segment=smb")
    expected = sum(1 for d in all_pages(api, admin) if segments.get(d["account_id"]) == "smb")
    assert len(smb) == expected


def test_a_wrong_filter_sort_limit_or_cursor_is_a_422_naming_the_field(api: Api) -> None:
    admin = api.read["admin"]
    for params, field in [
        ("sort=amount", "sort"),
        ("cursor=bm9wZQ", "cursor"),
        ("limit=0", "limit"),
        ("stage=Nowhere", "opportunity.stage"),
    ]:
        answer = api.client.get(f"/api/opportunities?{params}", headers=admin)
        assert answer.status_code == 422, params
        assert answer.json()["field"] == field, answer.json()


def test_a_deal_comes_with_its_timeline_and_evidence(api: Api) -> None:
    answer = api.client.get("/api/opportunities/opp-003", headers=api.read["admin"])
    assert answer.status_code == 200
    body = answer.json()
    assert body["opportunity"]["opportunity_id"] == "opp-003"
    assert body["timeline"][0]["seq"] == 1 and body["timeline"][-1]["current"] is True
    assert isinstance(body["activities"], list)
    unknown = api.client.get("/api/opportunities/opp-404", headers=api.read["admin"])
    assert unknown.status_code == 404 and unknown.json()["error"] == "no opportunity 'opp-404'"


def test_a_move_is_refused_with_the_missing_evidence_then_accepted_and_audited(api: Api) -> None:
    ops = api.write["revops"]
    deal = all_pages(api, ops, "&stage=Discovery")[0]
    deal_id, version = deal["opportunity_id"], deal["version"]
    refused = api.client.post(
        f"/api/opportunities/{deal_id}/moves", headers=ops,
        json={"stage": "Evaluation", "version": version},
    )  # fmt: skip
    assert refused.status_code == 409, refused.text
    missing = refused.json()["missing"]
    assert missing and all({"stage", "gate", "kind", "description"} <= set(m) for m in missing)
    now = datetime.now(UTC)
    for kind, purpose, by in [
        ("next_steps_agreed", None, None),
        ("meeting_booked", "evaluation", None),
        ("meeting_accepted", "Evaluation", "prospect"),
    ]:
        add_activity(api.app.uow(), deal_id, kind, at=now, purpose=purpose, by=by)
    stale = api.client.post(
        f"/api/opportunities/{deal_id}/moves", headers=ops,
        json={"stage": "Evaluation", "version": version + 5},
    )  # fmt: skip
    assert stale.status_code == 409 and stale.json()["conflict"] is True
    assert stale.json()["field"] == "version"
    moved = api.client.post(
        f"/api/opportunities/{deal_id}/moves", headers=ops,
        json={"stage": "Evaluation", "version": version},
    )  # fmt: skip
    assert moved.status_code == 201, moved.text
    assert moved.json()["opportunity"]["stage"] == "Evaluation"
    assert moved.json()["opportunity"]["version"] == version + 1
    with api.app.accounts() as accounts:
        entry = accounts.audit.entries(limit=1)[0]
    assert (entry.actor, entry.action, entry.target) == (
        "ops@example.com",
        "opportunity.move",
        deal_id,
    )
    assert entry.before is not None and entry.after is not None
    assert (entry.before["stage"], entry.after["stage"]) == ("Discovery", "Evaluation")


def test_a_read_token_cannot_move_a_deal(api: Api) -> None:
    answer = api.client.post(
        "/api/opportunities/opp-003/moves", headers=api.read["admin"], json={"stage": "Discovery"}
    )
    assert answer.status_code == 403 and "read" in answer.json()["error"]


def test_a_malformed_move_is_a_422_in_json(api: Api) -> None:
    answer = api.client.post(
        "/api/opportunities/opp-003/moves", headers=api.write["admin"], json={"version": "x"}
    )
    assert answer.status_code == 422 and answer.json()["field"] in ("stage", "version")


def test_every_report_answers_with_the_cuts_and_as_of_of_the_cli(api: Api) -> None:
    admin = api.read["admin"]
    for name in report_names():
        answer = api.client.get(f"/api/reports/{name}?as_of=2026-01-01&by=segment", headers=admin)
        assert answer.status_code in (200, 422), (name, answer.text)
        if answer.status_code == 422:  # a report that cannot be cut so says why, in JSON
            assert set(answer.json()) >= {"error", "field"}
    kpis = api.client.get("/api/reports/kpis?where=segment=smb&as_of=2025-12-31", headers=admin)
    assert kpis.status_code == 200 and kpis.json()["deals"] > 0
    assert api.client.get("/api/reports/nope", headers=admin).status_code == 404
    bad = api.client.get("/api/reports/kpis?as_of=someday", headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "as_of"
    cut = api.client.get("/api/reports/kpis?by=color", headers=admin)
    assert cut.status_code == 422 and cut.json()["field"] == "report.by"


def test_ones_own_statement_has_every_line_and_a_bad_period_is_a_422(api: Api) -> None:
    rep = api.read["sales_rep"]
    answer = api.client.get("/api/statements/emp-003/2025", headers=rep)
    assert answer.status_code == 200
    assert answer.json()["person"] == "emp-003" and "lines" in answer.text
    bad = api.client.get("/api/statements/emp-003/someday", headers=rep)
    assert bad.status_code == 422 and bad.json()["field"] == "period"


def test_the_docs_are_served_by_pipefit_itself_and_every_field_is_described(api: Api) -> None:
    page = api.client.get("/docs")
    assert page.status_code == 200
    assert not re.search(r"(src|href)=\"https?://", page.text)  # nothing from a CDN
    for asset in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", page.text):
        assert api.client.get(asset).status_code == 200, asset
    document = api.client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation.get("description"), (method, path)
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "header":
                    assert parameter.get("description"), (path, parameter["name"])
    for name, schema in document["components"]["schemas"].items():
        if name.startswith(("HTTPValidationError", "ValidationError")):
            continue  # FastAPI's own, never sent (errors are ErrorBody)
        for field, spec in schema.get("properties", {}).items():
            assert spec.get("description"), (name, field)


def test_an_unexpected_failure_is_a_500_without_a_traceback(api: Api) -> None:
    app = create_app(api.app)

    def boom() -> None:
        raise RuntimeError("secret internals at /home/x/pipefit/store.py line 12")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom")
    assert answer.status_code == 500
    assert "internal error" in answer.json()["error"]
    assert "Traceback" not in answer.text and "secret" not in answer.text
