"""Snapshots build a history: re-importing a newer export of a CRM that keeps none (a
Pipedrive deals export, native opportunities) records each changed stage as a stage event
and each changed amount or close date as amount / close-date history, at the time the
export was taken."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

import pipefit.io
from pipefit.config import Workspace
from pipefit.domain.errors import PipefitError
from pipefit.io.errors import ImportRejected
from pipefit.store.tables import opportunities, opportunity_changes, stage_events

from .native_files import FILES, write_native
from .workspaces import count, import_files, query

PIPEDRIVE = Path(pipefit.io.__file__).parent / "mappings" / "pipedrive-deals.toml"
HEADER = ",".join(
    f"Deal - {name}"
    for name in (
        "ID",
        "Title",
        "Organization",
        "Stage",
        "Status",
        "Value",
        "Currency",
        "Owner",
        "Deal created",
        "Won time",
        "Lost time",
        "Lost reason",
    )
)
WEEK_1 = """11,Acme pilot,Acme,Proposal Made,open,1200,EUR,Ana Lima,2024-01-05 10:00:00,,,
12,Globex rollout,Globex,Negotiations Started,open,9800,EUR,Ana Lima,2024-01-09 11:00:00,,,
13,Initech trial,Initech,Demo Scheduled,open,300,EUR,Bo Chen,2024-02-01 09:00:00,,,
"""
# A week later: Acme moved on and grew, Globex was won, Initech did not change.
WEEK_2 = (
    "11,Acme pilot,Acme,Negotiations Started,open,1500,EUR,Ana Lima,2024-01-05 10:00:00,,,\n"
    "12,Globex rollout,Globex,Negotiations Started,won,9800,EUR,Ana Lima,2024-01-09 11:00:00,"
    "2024-03-07 16:00:00,,\n"
    "13,Initech trial,Initech,Demo Scheduled,open,300,EUR,Bo Chen,2024-02-01 09:00:00,,,\n"
)
MONDAY_1 = datetime(2024, 3, 4, 7, 0, tzinfo=UTC)
MONDAY_2 = datetime(2024, 3, 11, 7, 0, tzinfo=UTC)


def _export(folder: Path, rows: str, taken: datetime | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "deals-export.csv"
    path.write_text(HEADER + "\n" + rows, "utf-8")
    if taken is not None:
        os.utime(path, (taken.timestamp(), taken.timestamp()))
    return path


def _events(workspace: Workspace) -> list[tuple[Any, ...]]:
    e = stage_events
    rows = query(
        workspace,
        select(
            e.c.opportunity_id, e.c.seq, e.c.from_stage, e.c.to_stage, e.c.at, e.c.source
        ).order_by(e.c.opportunity_id, e.c.seq),
    )
    return [tuple(r) for r in rows]


def _changes(workspace: Workspace) -> list[tuple[Any, ...]]:
    c = opportunity_changes
    rows = query(
        workspace,
        select(
            c.c.opportunity_id,
            c.c.field,
            c.c.at,
            c.c.old_amount,
            c.c.new_amount,
            c.c.old_close_date,
            c.c.new_close_date,
            c.c.currency,
            c.c.source,
        ).order_by(c.c.opportunity_id, c.c.field),
    )
    return [tuple(r) for r in rows]


def test_weekly_exports_of_a_crm_without_history_build_one_at_the_declared_time(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_files(workspace, [_export(tmp_path / "w1", WEEK_1)], mapping=PIPEDRIVE)
    assert count(workspace, stage_events) == 0

    result = import_files(
        workspace,
        [_export(tmp_path / "w2", WEEK_2)],
        mapping=PIPEDRIVE,
        snapshot_at=MONDAY_2,
    )

    assert _events(workspace) == [
        ("11", 1, "Proposal Made", "Negotiations Started", MONDAY_2, "snapshot"),
        # The Pipedrive mapping closes a won deal at its own "Won time" (the stage it was
        # won in kept as from_stage), which is more exact than the export's time.
        ("12", 1, "Negotiations Started", "Won", datetime(2024, 3, 7, 16, tzinfo=UTC), "pipedrive"),
    ]
    assert _changes(workspace) == [
        ("11", "amount", MONDAY_2, Decimal(1200), Decimal(1500), None, None, "EUR", "snapshot"),
        (
            "12",
            "close_date",
            MONDAY_2,
            None,
            None,
            None,
            datetime(2024, 3, 7, 16, tzinfo=UTC),
            None,
            "snapshot",
        ),
    ]
    assert any(
        "Changed since the last import, recorded at 2024-03-11 07:00 (declared" in n
        and "1 stage move (source snapshot), 1 amount change, 1 close-date change" in n
        for n in result.notes
    )
    deal = query(workspace, select(opportunities).where(opportunities.c.opportunity_id == "12"))
    assert (deal[0].stage, deal[0].outcome) == ("Won", "won")


def test_without_a_declared_time_the_exports_modification_time_is_used_and_said(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_files(workspace, [_export(tmp_path / "w1", WEEK_1, MONDAY_1)], mapping=PIPEDRIVE)
    result = import_files(
        workspace, [_export(tmp_path / "w2", WEEK_2, MONDAY_2)], mapping=PIPEDRIVE
    )
    assert {e[4] for e in _events(workspace) if e[5] == "snapshot"} == {MONDAY_2}
    assert any("(the modification time of deals-export.csv): " in n for n in result.notes)


def test_importing_the_same_export_again_records_nothing_more(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_files(workspace, [_export(tmp_path / "w1", WEEK_1)], mapping=PIPEDRIVE)
    week_2 = _export(tmp_path / "w2", WEEK_2, MONDAY_2)
    import_files(workspace, [week_2], mapping=PIPEDRIVE)
    before = (_events(workspace), _changes(workspace))
    again = import_files(workspace, [week_2], mapping=PIPEDRIVE)
    assert (_events(workspace), _changes(workspace)) == before
    assert not any("Changed since the last import" in n for n in again.notes)


def test_an_export_older_than_the_stored_history_is_refused_naming_each_deal(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_files(workspace, [_export(tmp_path / "w1", WEEK_1)], mapping=PIPEDRIVE)
    import_files(
        workspace, [_export(tmp_path / "w2", WEEK_2)], mapping=PIPEDRIVE, snapshot_at=MONDAY_2
    )
    before = (_events(workspace), _changes(workspace))

    with pytest.raises(ImportRejected) as refused:
        import_files(
            workspace,
            [_export(tmp_path / "w1-again", WEEK_1)],
            mapping=PIPEDRIVE,
            snapshot_at=MONDAY_1,
        )

    assert [(e.row, e.value) for e in refused.value.errors] == [(2, "11"), (3, "12")]
    assert all(
        "before the deal's last recorded change (2024-03-11 07:00)" in e.message
        for e in refused.value.errors
    )
    assert (_events(workspace), _changes(workspace)) == before


def test_a_declared_export_time_in_the_future_is_refused(
    workspace: Workspace, tmp_path: Path
) -> None:
    with pytest.raises(PipefitError, match="is in the future") as refused:
        import_files(
            workspace,
            [_export(tmp_path / "w1", WEEK_1)],
            mapping=PIPEDRIVE,
            snapshot_at=datetime(2099, 1, 1, tzinfo=UTC),
        )
    assert refused.value.field == "snapshot_at"


def test_a_native_reimport_that_moves_a_deal_appends_a_snapshot_event_after_its_history(
    workspace: Workspace, tmp_path: Path
) -> None:
    import_files(workspace, write_native(tmp_path / "in"))
    moved = FILES["opportunities.csv"].replace(
        "inbound,formal proposal,negotiation,3600.25", "inbound,Evaluation,,3600.25"
    )
    when = datetime(2026, 3, 28, 9, tzinfo=UTC)
    import_files(
        workspace,
        write_native(tmp_path / "in2", **{"opportunities.csv": moved}),
        snapshot_at=when,
    )
    tailspin = [e[1:] for e in _events(workspace) if e[0] == "TAILSPIN-STARTER"]
    assert tailspin[-1] == (4, "Formal proposal", "Evaluation", when, "snapshot")
    assert [e[4] for e in tailspin[:3]] == ["native"] * 3


def test_a_mapping_that_declares_when_its_export_was_taken_dates_the_changes_then(
    workspace: Workspace, tmp_path: Path
) -> None:
    declared = tmp_path / "pipedrive-monday-2.toml"
    # The export's file is dated a week later than the mapping says it was taken.
    text = PIPEDRIVE.read_text("utf-8")
    declared.write_text(
        text.replace("[source]\n", "[source]\nsnapshot_at = 2024-03-11T07:00:00Z\n", 1), "utf-8"
    )
    assert "snapshot_at" in declared.read_text("utf-8")
    import_files(workspace, [_export(tmp_path / "w1", WEEK_1, MONDAY_1)], mapping=PIPEDRIVE)

    result = import_files(
        workspace,
        [_export(tmp_path / "w2", WEEK_2, MONDAY_2 + timedelta(days=7))],
        mapping=declared,
    )

    assert {e[4] for e in _events(workspace) if e[5] == "snapshot"} == {MONDAY_2}
    assert any(f"(declared in {declared.name} (source.snapshot_at))" in n for n in result.notes)


def test_a_mapping_dated_ahead_of_the_clock_is_refused_naming_the_key(
    workspace: Workspace, tmp_path: Path
) -> None:
    future = tmp_path / "pipedrive-future.toml"
    future.write_text(
        PIPEDRIVE.read_text("utf-8").replace(
            "[source]\n", '[source]\nsnapshot_at = "2099-01-01"\n', 1
        ),
        "utf-8",
    )
    with pytest.raises(ImportRejected) as refused:
        import_files(workspace, [_export(tmp_path / "w1", WEEK_1)], mapping=future)
    [problem] = refused.value.errors
    assert (problem.column, problem.value) == ("source.snapshot_at", "2099-01-01")
    assert "ahead of the clock" in problem.message


def test_an_open_deal_whose_expected_close_moved_records_the_slip_at_the_export_time(
    workspace: Workspace, tmp_path: Path
) -> None:
    def export(expected: str) -> str:
        # TAILSPIN-STARTER is open: its close date is the one the CRM expects.
        return FILES["opportunities.csv"].replace(
            "P-DANA,P-LEE,2026-03-03,,,", f"P-DANA,P-LEE,2026-03-03,{expected},,"
        )

    assert export("X") != FILES["opportunities.csv"]
    import_files(
        workspace, write_native(tmp_path / "in", **{"opportunities.csv": export("2026-06-30")})
    )
    when = datetime(2026, 4, 6, 9, tzinfo=UTC)

    import_files(
        workspace,
        write_native(tmp_path / "in2", **{"opportunities.csv": export("2026-09-30")}),
        snapshot_at=when,
    )

    slips = [c for c in _changes(workspace) if c[0] == "TAILSPIN-STARTER"]
    assert slips == [
        (
            "TAILSPIN-STARTER",
            "close_date",
            when,
            None,
            None,
            datetime(2026, 6, 30, tzinfo=UTC),
            datetime(2026, 9, 30, tzinfo=UTC),
            None,
            "snapshot",
        )
    ]
    [deal] = query(
        workspace, select(opportunities).where(opportunities.c.opportunity_id == "TAILSPIN-STARTER")
    )
    assert (deal.closed_at, deal.expected_close) == (None, datetime(2026, 9, 30, tzinfo=UTC))
