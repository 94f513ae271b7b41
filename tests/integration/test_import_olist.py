"""The Olist funnel through the shipped mapping olist-funnel.toml: leads in one file, the
deals closed with some of them in another, joined on mql_id. Every closed deal must land
as a won opportunity; one that cannot is named in the notes or refused, never lost."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

import pipefit.io
from pipefit.config import Workspace
from pipefit.io.errors import ImportRejected
from pipefit.services.imports import ImportResult
from pipefit.store.tables import leads, opportunities

from .workspaces import count, import_files, new_workspace, query

MAPPING = Path(pipefit.io.__file__).parent / "mappings" / "olist-funnel.toml"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "olist"
LEADS_FILE = "olist_marketing_qualified_leads_dataset.csv"
DEALS_FILE = "olist_closed_deals_dataset.csv"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def reading_notes(result: ImportResult) -> list[str]:
    """The notes about how the files were read, not the findings about the records."""
    found = {str(f) for f in result.findings}
    return [n for n in result.notes if n not in found]


def copy_fixtures(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return (
        Path(shutil.copy(FIXTURES / LEADS_FILE, folder / LEADS_FILE)),
        Path(shutil.copy(FIXTURES / DEALS_FILE, folder / DEALS_FILE)),
    )


def test_every_closed_olist_deal_lands_as_a_won_opportunity(workspace: Workspace) -> None:
    mqls = rows(FIXTURES / LEADS_FILE)
    deals = {d["mql_id"]: d for d in rows(FIXTURES / DEALS_FILE)}

    result = import_files(
        workspace, [FIXTURES / LEADS_FILE, FIXTURES / DEALS_FILE], mapping=MAPPING
    )

    assert result.counts == {"opportunities": len(mqls), "leads": len(mqls)}
    assert reading_notes(result) == []
    # The export has no file of sellers or sales reps: their ids are kept and counted.
    assert [(f.column, f.count, len(f.examples)) for f in result.findings] == [
        ("account_id", len(deals), len({d["seller_id"] for d in deals.values()})),
        ("owner_id", len(deals), len({d["sr_id"] for d in deals.values()})),
    ]
    stored = {
        r.opportunity_id: r
        for r in query(workspace, select(opportunities).where(opportunities.c.source == "olist"))
    }
    won = {i for i, r in stored.items() if r.outcome == "won"}
    assert won == set(deals)
    for mql_id, deal in deals.items():
        row = stored[mql_id]
        assert (row.pipeline, row.stage, row.owner_id, row.account_id) == (
            "olist",
            "Won",
            deal["sr_id"],
            deal["seller_id"],
        )
        assert row.closed_at == datetime.fromisoformat(deal["won_date"]).replace(tzinfo=UTC)
    still_mql = {i for i, r in stored.items() if r.stage == "MQL" and r.outcome == "open"}
    assert still_mql == {m["mql_id"] for m in mqls} - set(deals)
    sources = dict(query(workspace, select(leads.c.lead_id, leads.c.lead_source)))
    assert sources == {m["mql_id"]: m["origin"] or None for m in mqls}


def test_reimporting_the_olist_files_changes_nothing(sqlite_workspace: Workspace) -> None:
    files = [FIXTURES / LEADS_FILE, FIXTURES / DEALS_FILE]
    import_files(sqlite_workspace, files, mapping=MAPPING)

    again = import_files(sqlite_workspace, files, mapping=MAPPING)

    assert again.report is not None
    assert all(t.inserted == 0 and t.updated == 0 for t in again.report.tables.values())


def test_a_closed_deal_whose_lead_is_missing_is_named_in_a_note(tmp_path: Path) -> None:
    leads_file, deals_file = copy_fixtures(tmp_path / "export")
    mqls = rows(leads_file)
    deals = rows(deals_file)
    orphan = deals[3]["mql_id"]
    kept = [m for m in mqls if m["mql_id"] != orphan]
    with leads_file.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(mqls[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
    workspace = new_workspace(tmp_path / "ws")

    result = import_files(workspace, [leads_file, deals_file], mapping=MAPPING)

    [note] = reading_notes(result)
    assert note.startswith(
        f"{DEALS_FILE}: 1 of {len(deals)} rows match no row of [files.leads] on mql_id"
    )
    assert f"'{orphan}' on row 5" in note
    assert count(workspace, opportunities, opportunities.c.outcome == "won") == len(deals) - 1


def test_leaving_out_leads_of_unknown_origin_notes_the_closed_deals_it_drops(
    tmp_path: Path,
) -> None:
    mapping = tmp_path / "olist-known-origins.toml"
    mapping.write_text(
        MAPPING.read_text("utf-8").replace(
            'join = { file = "closed_deals", on = "mql_id" }\n',
            'join = { file = "closed_deals", on = "mql_id" }\n'
            'where = { column = "origin", not_in = ["unknown", ""] }\n',
        ),
        "utf-8",
    )
    mqls = rows(FIXTURES / LEADS_FILE)
    deals = rows(FIXTURES / DEALS_FILE)
    unknown = {m["mql_id"] for m in mqls if m["origin"] in ("unknown", "")}
    dropped = [d["mql_id"] for d in deals if d["mql_id"] in unknown]
    assert {m["origin"] for m in mqls if m["mql_id"] in dropped} == {"unknown", ""}
    workspace = new_workspace(tmp_path / "ws")

    result = import_files(
        workspace, [FIXTURES / LEADS_FILE, FIXTURES / DEALS_FILE], mapping=mapping
    )

    assert result.counts["opportunities"] == len(mqls) - len(unknown)
    took, lost = reading_notes(result)
    assert took == (
        f"{LEADS_FILE}: [files.leads] took {len(mqls) - len(unknown)} of {len(mqls)} rows "
        "(where origin is not 'unknown' or empty)"
    )
    assert lost.startswith(
        f"{DEALS_FILE}: {len(dropped)} of {len(deals)} rows join rows that [files.leads] leaves "
        "out by its "
        "`where`, so they are not imported"
    )
    assert all(f"'{mql_id}'" in lost for mql_id in dropped)
    won = count(workspace, opportunities, opportunities.c.outcome == "won")
    assert won == len(deals) - len(dropped)


def test_an_mql_id_on_two_rows_is_refused_naming_both_rows_and_the_source_column(
    tmp_path: Path,
) -> None:
    leads_file, deals_file = copy_fixtures(tmp_path / "export")
    lines = leads_file.read_text("utf-8").splitlines(keepends=True)
    leads_file.write_text("".join(lines) + lines[7], "utf-8")  # row 8 again as row 52
    deals_lines = deals_file.read_text("utf-8").splitlines(keepends=True)
    deals_file.write_text("".join(deals_lines) + deals_lines[2], "utf-8")  # row 3 again
    workspace = new_workspace(tmp_path / "ws")

    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, [leads_file, deals_file], mapping=MAPPING)

    found = {(Path(e.file).name, e.row, e.column): e.message for e in caught.value.errors}
    repeated_lead = found[(LEADS_FILE, 52, "mql_id")]
    assert f"({LEADS_FILE} row 8, {LEADS_FILE} row 52)" in repeated_lead
    repeated_deal = found[(DEALS_FILE, 12, "mql_id")]
    assert f"({DEALS_FILE} row 3, {DEALS_FILE} row 12)" in repeated_deal
    assert count(workspace, opportunities) == 0


def test_importing_the_leads_without_their_closed_deals_is_refused(tmp_path: Path) -> None:
    workspace = new_workspace(tmp_path / "ws")

    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, [FIXTURES / LEADS_FILE], mapping=MAPPING)

    assert "no file of this import is read by [files.closed_deals]" in str(caught.value)
    assert count(workspace, opportunities) == 0
