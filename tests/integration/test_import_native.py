from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from pipefit.config import Workspace
from pipefit.io.errors import ImportRejected
from pipefit.store import tables
from pipefit.store.database import make_engine

from .native_files import FILES, write_native
from .workspaces import import_files, table_counts


def test_a_native_import_lands_every_record_with_outcomes_and_segments(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_files(workspace, write_native(tmp_path / "in"))
    counts = table_counts(workspace)
    assert counts["opportunities"] == 2
    assert counts["stage_events"] == 6
    assert counts["people"] == 3
    engine = make_engine(workspace.database_url)
    with engine.connect() as conn:
        opps = {r.opportunity_id: r for r in conn.execute(select(tables.opportunities))}
        segments = {
            r.account_id: r.segment
            for r in conn.execute(select(tables.accounts.c.account_id, tables.accounts.c.segment))
        }
        seqs = [
            (r.seq, r.substate)
            for r in conn.execute(
                select(tables.stage_events)
                .where(tables.stage_events.c.opportunity_id == "TAILSPIN-STARTER")
                .order_by(tables.stage_events.c.seq)
            )
        ]
    engine.dispose()
    won = opps["ACME-RENEWAL-Q3"]
    assert won.outcome == "won"
    assert won.pipeline == "inbound"
    assert won.amount == Decimal("48000.0000")
    assert won.closed_at.isoformat() == "2026-04-19T16:40:00+00:00"
    open_deal = opps["TAILSPIN-STARTER"]
    assert open_deal.stage == "Formal proposal"  # spelled as the pipeline spells it
    assert open_deal.amount == Decimal("3600.25")
    assert open_deal.currency == "USD"
    assert open_deal.outcome == "open"
    assert segments == {"A-NORTHWIND": "enterprise", "A-TAILSPIN": "smb"}
    assert seqs == [(1, None), (2, "delivery"), (3, "negotiation")]


def test_re_importing_the_same_files_changes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    paths = write_native(tmp_path / "in")
    import_files(workspace, paths)
    before = table_counts(workspace)
    again = import_files(workspace, paths)
    assert table_counts(workspace) == before
    assert again.report is not None
    assert all(r.inserted == 0 and r.updated == 0 for r in again.report.tables.values())


def test_a_changed_row_is_updated_in_place_by_its_source_id(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_files(workspace, write_native(tmp_path / "in"))
    changed = FILES["opportunities.csv"].replace("48000.00", "52000.00")
    result = import_files(
        workspace, write_native(tmp_path / "in2", **{"opportunities.csv": changed})
    )
    assert result.report is not None
    assert result.report.tables["opportunities"].updated == 1
    assert result.report.tables["opportunities"].inserted == 0
    assert table_counts(workspace)["opportunities"] == 2


def test_every_bad_value_is_reported_with_file_row_column_and_value_and_nothing_lands(
    workspace: Workspace, tmp_path: Path
) -> None:
    broken_opps = (
        FILES["opportunities.csv"]
        .replace("48000.00", "forty-eight")
        .replace("2026-03-03,,,", "03/03/2026,,,")
    )
    broken_people = FILES["people.csv"].replace("presales,T-EAST", "wizard,T-EAST")
    paths = write_native(
        tmp_path / "in", **{"opportunities.csv": broken_opps, "people.csv": broken_people}
    )
    with pytest.raises(ImportRejected) as rejected:
        import_files(workspace, paths)
    found = {(Path(e.file).name, e.row, e.column, e.value) for e in rejected.value.errors}
    assert ("opportunities.csv", 2, "amount", "forty-eight") in found
    assert ("opportunities.csv", 3, "created_at", "03/03/2026") in found
    assert ("people.csv", 3, "role", "wizard") in found
    assert "nothing written" in str(rejected.value)
    assert sum(table_counts(workspace).values()) == 0


def test_an_unknown_stage_and_a_duplicate_id_are_both_reported(
    workspace: Workspace, tmp_path: Path
) -> None:
    lines = FILES["opportunities.csv"].splitlines()
    dupe = lines[1].replace("Closed won", "Closed won")
    unknown = lines[2].replace("formal proposal", "Handshake")
    text = "\n".join([lines[0], lines[1], unknown, dupe]) + "\n"
    with pytest.raises(ImportRejected) as rejected:
        import_files(workspace, write_native(tmp_path / "in", **{"opportunities.csv": text}))
    messages = [str(e) for e in rejected.value.errors]
    assert any("'Handshake'" in m and "not a stage of pipeline 'inbound'" in m for m in messages)
    assert any("appears 2 times" in m for m in messages)


def test_events_for_an_opportunity_nobody_knows_are_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_files(workspace, write_native(tmp_path / "first"))
    events = FILES["stage_events.csv"] + "GHOST-DEAL,1,,Discovery,,2026-01-01,,\n"
    folder = tmp_path / "in"
    write_native(folder, **{"stage_events.csv": events})
    with pytest.raises(ImportRejected) as rejected:
        import_files(workspace, [folder / "stage_events.csv"])
    [error] = rejected.value.errors
    assert (error.row, error.column, error.value) == (8, "opportunity_id", "GHOST-DEAL")


def test_a_dry_run_checks_everything_and_writes_nothing(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    result = import_files(sqlite_workspace, write_native(tmp_path / "in"), dry_run=True)
    assert result.counts["opportunities"] == 2
    assert sum(table_counts(sqlite_workspace).values()) == 0


def test_an_unknown_column_and_an_unnamed_file_are_refused(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    write_native(folder, **{"accounts.csv": "account_id,name,head_count\nA-1,Acme,12\n"})
    (folder / "stuff.csv").write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(ImportRejected) as rejected:
        import_files(sqlite_workspace, [folder / "accounts.csv", folder / "stuff.csv"])
    text = " | ".join(str(e) for e in rejected.value.errors)
    assert "column 'head_count': is not a column of accounts" in text
    assert "stuff.csv: the file name does not say what it holds" in text


def test_a_byte_order_mark_does_not_hide_the_first_column(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "accounts.csv"
    path.write_bytes(b"\xef\xbb\xbf" + FILES["accounts.csv"].encode())
    import_files(sqlite_workspace, [path])
    assert table_counts(sqlite_workspace)["accounts"] == 2


def test_an_open_deals_close_date_is_kept_as_its_expected_close_and_the_import_says_so(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    text = FILES["opportunities.csv"].replace("2026-03-03,,,", "2026-03-03,2026-06-30,,")
    result = import_files(
        sqlite_workspace, write_native(tmp_path / "in", **{"opportunities.csv": text})
    )
    assert any(
        "1 open opportunities had a close date: kept as their expected close date" in n
        for n in result.notes
    )
    engine = make_engine(sqlite_workspace.database_url)
    o = tables.opportunities.c
    with engine.connect() as conn:
        closed_at, expected = conn.execute(
            select(o.closed_at, o.expected_close).where(o.opportunity_id == "TAILSPIN-STARTER")
        ).one()
    engine.dispose()
    assert closed_at is None
    assert expected == datetime(2026, 6, 30, tzinfo=UTC)


def test_an_expected_close_column_is_read_and_stored(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "opportunities.csv").write_text(
        "opportunity_id,stage,created_at,expected_close\n"
        "NEW-1,Discovery,2026-01-05,2026-04-15\n"
        "NEW-2,Discovery,2026-01-05,\n",
        "utf-8",
    )
    result = import_files(sqlite_workspace, [folder / "opportunities.csv"])
    assert not any("open opportunities had a close date" in n for n in result.notes)
    engine = make_engine(sqlite_workspace.database_url)
    o = tables.opportunities.c
    with engine.connect() as conn:
        got = dict(conn.execute(select(o.opportunity_id, o.expected_close)).all())
    engine.dispose()
    assert got == {"NEW-1": datetime(2026, 4, 15, tzinfo=UTC), "NEW-2": None}


def test_day_first_dates_are_detected_and_an_open_order_is_read_only_when_declared(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "opportunities.csv"
    path.write_text("opportunity_id,stage,created_at\nEU-DEAL-1,Discovery,01/02/2026\n", "utf-8")
    with pytest.raises(ImportRejected, match="order of day and month"):
        import_files(sqlite_workspace, [path])
    import_files(sqlite_workspace, [path], date_format="%d/%m/%Y")
    assert table_counts(sqlite_workspace)["opportunities"] == 1
    path.write_text("opportunity_id,stage,created_at\nEU-DEAL-2,Discovery,31/01/2026\n", "utf-8")
    result = import_files(sqlite_workspace, [path])
    assert any("created_at: dates read as DD/MM/YYYY" in note for note in result.notes)
    assert table_counts(sqlite_workspace)["opportunities"] == 2
