"""The import page: revops and admin upload files, see every row-level problem (file,
row, column, value) before anything is written, and confirm an import that lands whole
(the same service as `pipefit import`); no one else may, and no one confirms another's
upload."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from pipefit.store import tables

from .pages import external_references
from .pages import tables as page_tables
from .webapi_workspace import ROLES, Api, api
from .workspaces import query

__all__ = ["api"]  # the fixture, imported for pytest

ACCOUNTS = (
    "account_id,name,industry,employees,annual_revenue,region,culture\n"
    "acc-901,ACME Renewals,software,420,12000000.00,EMEA,early_adopter\n"
    "acc-902,Globex Field Ops,manufacturing,2500,310000000.00,North America,late_majority\n"
)
BROKEN = (
    "account_id,name,industry,employees,annual_revenue,region,culture\n"
    "acc-903,Initech,software,lots,1000.00,EMEA,early_adopter\n"
    "acc-904,Umbrella,pharma,120,12x,EMEA,early_adopter\n"
)


def accounts(api: Api) -> int:
    return int(query(api.app.workspace, select(func.count()).select_from(tables.accounts))[0][0])


def upload(api: Api, role: str, text: str, name: str = "accounts.csv", **form: str) -> object:
    return api.client.post(
        "/import/check", headers=api.write[role],
        files=[("files", (name, text.encode(), "text/csv"))],
        data={"fmt": "native", "csrf_token": "", **form},
    )  # fmt: skip


@pytest.mark.parametrize("role", list(ROLES))
def test_only_revops_and_admin_open_the_import_page(api: Api, role: str) -> None:
    page = api.client.get("/import", headers=api.read[role])
    if role in ("revops", "admin"):
        assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
        assert 'name="csrf_token"' in page.text and external_references(page.text) == []
    else:
        assert page.status_code == 403 and "imports are for revops and admin" in page.text
        assert 'enctype="multipart/form-data"' not in page.text  # no upload form
        before = accounts(api)
        refused = upload(api, role, ACCOUNTS)
        assert refused.status_code == 403 and accounts(api) == before  # type: ignore[attr-defined]


def test_every_row_level_problem_is_listed_and_nothing_is_written(api: Api) -> None:
    before = accounts(api)
    page = upload(api, "revops", BROKEN)
    assert page.status_code == 422  # type: ignore[attr-defined]
    shown = next(t for t in page_tables(page.text) if t["caption"].startswith("Every problem"))  # type: ignore[attr-defined]
    cells = {(r["file"], r["row"], r["column"], r["value"]) for r in shown["rows"]}
    # the header is line 1: Initech is on line 2, Umbrella on line 3
    assert ("accounts.csv", "2", "employees", "lots") in cells
    assert ("accounts.csv", "3", "annual_revenue", "12x") in cells
    assert "Import these files" not in page.text  # type: ignore[attr-defined]
    assert accounts(api) == before


def test_a_checked_upload_is_imported_only_once_confirmed_and_audited(api: Api) -> None:
    before = accounts(api)
    checked = upload(api, "revops", ACCOUNTS)
    assert checked.status_code == 200, checked.text  # type: ignore[attr-defined]
    assert "Checked (dry run, nothing written)" in checked.text  # type: ignore[attr-defined]
    assert accounts(api) == before  # nothing yet
    token = re.search(r'name="upload" value="([^"]+)"', checked.text).group(1)  # type: ignore[union-attr, attr-defined]
    # no one but the uploader confirms it, and they are told what an unknown upload is told
    other = api.client.post("/import/confirm", headers=api.write["admin"], data={"upload": token})
    unknown = api.client.post(
        "/import/confirm", headers=api.write["admin"], data={"upload": "x" * 32}
    )
    assert other.status_code == unknown.status_code == 404 and other.text == unknown.text
    assert accounts(api) == before
    done = api.client.post("/import/confirm", headers=api.write["revops"], data={"upload": token})
    assert done.status_code == 200 and "Imported: 1 file(s) as native" in done.text
    assert accounts(api) == before + 2
    rows = {r["records"]: r for r in page_tables(done.text)[0]["rows"]}
    assert rows["accounts"]["rows"] == "2" and rows["accounts"]["new"] == "2"
    again = api.client.post("/import/confirm", headers=api.write["revops"], data={"upload": token})
    assert again.status_code == 404  # an upload is imported once
    audit = api.client.get("/api/audit?limit=5", headers=api.read["admin"]).json()
    entry = next(e for e in audit if e["action"] == "import")
    assert entry["actor"] == "ops@example.com" and entry["after"]["rows"]["accounts"] == 2


def test_a_discarded_upload_is_gone_and_a_read_token_uploads_nothing(api: Api) -> None:
    checked = upload(api, "admin", ACCOUNTS.replace("acc-90", "acc-80"))
    token = re.search(r'name="upload" value="([^"]+)"', checked.text).group(1)  # type: ignore[union-attr, attr-defined]
    dropped = api.client.post(
        "/import/discard", headers=api.write["admin"], data={"upload": token},
        follow_redirects=False,
    )  # fmt: skip
    assert dropped.status_code == 303
    gone = api.client.post("/import/confirm", headers=api.write["admin"], data={"upload": token})
    assert gone.status_code == 404
    reader = api.client.post(
        "/import/check", headers=api.read["admin"],
        files=[("files", ("accounts.csv", ACCOUNTS.encode(), "text/csv"))],
    )  # fmt: skip
    assert reader.status_code == 403
