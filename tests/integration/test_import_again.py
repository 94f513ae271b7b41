"""Importing again: a newer export extends the stored stage history, a contradicting one
is refused with the ids, an incremental history file is read against each deal's own
pipeline, and amount / close-date history only ever grows (docs/native-format.md,
"Importing again")."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlalchemy import select

from pipefit.config import Workspace
from pipefit.domain.changes import ChangedField, DealChange
from pipefit.domain.errors import ConflictError
from pipefit.io.errors import ImportRejected
from pipefit.store.bulk import bulk_load
from pipefit.store.changes import SqlDealChanges
from pipefit.store.database import make_engine
from pipefit.store.tables import opportunity_changes, stage_events

from .workspaces import count, import_files, query

OPPORTUNITY = """Id,Name,AccountId,StageName,StageSortOrder,Amount,OwnerId,CreatedDate,CloseDate
006A1,Hotel Miramar,001A1,Qualification,2,45000,005A1,2026-01-08,2026-04-30
006A2,Clinica Sol,001A2,Prospecting,1,12000,005A1,2026-01-10,2026-05-31
"""
NEWER_OPPORTUNITY = OPPORTUNITY.replace("Qualification,2,45000", "Negotiation/Review,8,48000")

HISTORY_HEADER = "OpportunityId,CreatedDate,StageName,Amount,CloseDate"
JANUARY = """006A1,2026-01-08T09:00:00Z,Prospecting,40000,2026-03-31
006A1,2026-01-20T10:00:00Z,Prospecting,45000,2026-03-31
006A1,2026-02-02T11:00:00Z,Qualification,45000,2026-04-30
006A2,2026-01-10T09:00:00Z,Prospecting,12000,2026-05-31
"""
MARCH = "006A1,2026-03-02T13:00:00Z,Negotiation/Review,48000,2026-04-30\n"


def _write(folder: Path, name: str, *parts: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("".join(parts), "utf-8")
    return path


def _history(folder: Path, *rows: str) -> Path:
    return _write(folder, "OpportunityHistory.csv", HISTORY_HEADER + "\n", *rows)


def _events(workspace: Workspace, opportunity_id: str) -> list[tuple[Any, ...]]:
    e = stage_events
    rows = query(
        workspace,
        select(e.c.seq, e.c.from_stage, e.c.to_stage, e.c.at, e.c.source)
        .where(e.c.opportunity_id == opportunity_id)
        .order_by(e.c.seq),
    )
    return [tuple(r) for r in rows]


def _first_import(workspace: Workspace, folder: Path) -> None:
    opp = _write(folder / "jan", "Opportunity.csv", OPPORTUNITY)
    import_files(workspace, [opp, _history(folder / "jan", JANUARY)], fmt="salesforce")


def test_a_newer_export_extends_the_stored_history_with_only_its_new_moves(
    workspace: Workspace, tmp_path: Path
) -> None:
    _first_import(workspace, tmp_path)
    opp = _write(tmp_path / "mar", "Opportunity.csv", NEWER_OPPORTUNITY)
    result = import_files(
        workspace, [opp, _history(tmp_path / "mar", JANUARY, MARCH)], fmt="salesforce"
    )
    assert result.report is not None
    assert result.report.tables["stage_events"].inserted == 1
    assert _events(workspace, "006A1") == [
        (1, None, "Prospecting", datetime(2026, 1, 8, 9, tzinfo=UTC), "salesforce"),
        (2, "Prospecting", "Qualification", datetime(2026, 2, 2, 11, tzinfo=UTC), "salesforce"),
        (
            3,
            "Qualification",
            "Negotiation/Review",
            datetime(2026, 3, 2, 13, tzinfo=UTC),
            "salesforce",
        ),
    ]
    # The March row also raised the amount: one more row of amount history, no snapshot.
    assert count(workspace, opportunity_changes) == 3
    assert count(workspace, opportunity_changes, opportunity_changes.c.source == "snapshot") == 0


def test_an_incremental_history_file_alone_is_read_against_each_deals_own_pipeline(
    workspace: Workspace, tmp_path: Path
) -> None:
    _first_import(workspace, tmp_path)
    # Only what happened since January; its stages are the org's, not the workspace's
    # default pipeline ('inbound' has no Negotiation/Review).
    result = import_files(workspace, [_history(tmp_path / "mar", MARCH)], fmt="salesforce")
    assert result.report is not None
    assert result.report.tables["stage_events"].inserted == 1
    assert _events(workspace, "006A1")[-1][:3] == (3, "Qualification", "Negotiation/Review")
    amounts = _changes_of(workspace, "006A1")
    assert [(c.field, c.old, c.new) for c in amounts] == [
        (ChangedField.AMOUNT, Decimal(40000), Decimal(45000)),
        (
            ChangedField.CLOSE_DATE,
            datetime(2026, 3, 31, tzinfo=UTC),
            datetime(2026, 4, 30, tzinfo=UTC),
        ),
    ]


def _changes_of(workspace: Workspace, opportunity_id: str) -> list[DealChange]:
    engine = make_engine(workspace.database_url)
    try:
        with engine.connect() as conn:
            return SqlDealChanges(conn).changes([opportunity_id])
    finally:
        engine.dispose()


def test_an_incremental_row_that_repeats_the_stored_stage_is_an_amount_change_not_a_move(
    workspace: Workspace, tmp_path: Path
) -> None:
    _first_import(workspace, tmp_path)
    later = _write(
        tmp_path / "feb",
        "OpportunityHistory.csv",
        "OpportunityId,CreatedDate,StageName,Amount,PrevAmount,CloseDate\n",
        "006A1,2026-02-20T08:00:00Z,Qualification,47000,45000,2026-04-30\n",
    )
    result = import_files(workspace, [later], fmt="salesforce")
    assert len(_events(workspace, "006A1")) == 2
    assert any("enters the stage the deal was already in" in n for n in result.notes)
    changes = _changes_of(workspace, "006A1")
    assert (changes[-1].field, changes[-1].old, changes[-1].new) == (
        ChangedField.AMOUNT,
        Decimal(45000),
        Decimal(47000),
    )


def test_an_export_with_another_stage_at_a_stored_time_is_refused_naming_the_deal(
    workspace: Workspace, tmp_path: Path
) -> None:
    _first_import(workspace, tmp_path)
    rewritten = JANUARY.replace("11:00:00Z,Qualification", "11:00:00Z,Value Proposition")
    with pytest.raises(ImportRejected) as refused:
        import_files(workspace, [_history(tmp_path / "other", rewritten)], fmt="salesforce")
    (error,) = refused.value.errors
    assert (error.column, error.value, error.row) == ("opportunity_id", "006A1", 4)
    assert "contradicts the stored one" in error.message
    assert "'Value Proposition' at 2026-02-02 11:00 is not in it" in error.message
    assert len(_events(workspace, "006A1")) == 2


def test_an_export_with_a_move_before_the_last_stored_one_is_refused_and_nothing_lands(
    workspace: Workspace, tmp_path: Path
) -> None:
    _first_import(workspace, tmp_path)
    inserted = "006A1,2026-01-25T10:00:00Z,Value Proposition,45000,2026-03-31\n"
    newer = _history(tmp_path / "mar", JANUARY, inserted, MARCH)
    opp = _write(tmp_path / "mar", "Opportunity.csv", NEWER_OPPORTUNITY)
    with pytest.raises(ImportRejected) as refused:
        import_files(workspace, [opp, newer], fmt="salesforce")
    assert [e.value for e in refused.value.errors] == ["006A1"]
    assert "stored history runs to 2026-02-02 11:00" in refused.value.errors[0].message
    assert len(_events(workspace, "006A1")) == 2
    assert count(workspace, opportunity_changes) == 2


def test_importing_the_same_history_again_adds_no_move_and_no_change(
    workspace: Workspace, tmp_path: Path
) -> None:
    _first_import(workspace, tmp_path)
    before = (count(workspace, stage_events), count(workspace, opportunity_changes))
    _first_import(workspace, tmp_path)
    assert (count(workspace, stage_events), count(workspace, opportunity_changes)) == before
    assert before == (3, 2)


def test_a_history_row_given_again_with_other_values_stops_the_load(
    workspace: Workspace, tmp_path: Path
) -> None:
    # What the import checks can change before it writes (a move made meanwhile): the
    # load itself refuses to write over a stored event and writes nothing.
    _first_import(workspace, tmp_path)
    clash = pa.table(
        {
            "opportunity_id": ["006A2", "006A1"],
            "seq": pa.array([2, 2], pa.int64()),
            "from_stage": ["Prospecting", "Prospecting"],
            "to_stage": ["Qualification", "Value Proposition"],
            "substate": pa.nulls(2, pa.string()),
            "at": pa.array([datetime(2026, 2, 1, tzinfo=UTC)] * 2, pa.timestamp("us", tz="UTC")),
            "actor_id": pa.nulls(2, pa.string()),
            "reason": pa.nulls(2, pa.string()),
        }
    )
    with pytest.raises(ConflictError, match=r"stage events of 006A1 changed while"):
        bulk_load(workspace.database_url, {"stage_events": clash}, source="t", files=[], fmt="t")
    assert _events(workspace, "006A2") == [
        (1, None, "Prospecting", datetime(2026, 1, 10, 9, tzinfo=UTC), "salesforce")
    ]


MAPPING = """
[source]
name = "legacy"
date_format = "%d/%m/%Y"

[pipeline]
name = "legacy"
stages = [{name = "Lead"}, {name = "Demo"}, {name = "Offer"}, {name = "Won", category = "won"},
          {name = "Lost", category = "lost"}]

[files.deals]
entity = "opportunities"
[files.deals.columns]
opportunity_id = "Deal"
stage = "Stage"
created_at = "Created"

[files.moves]
entity = "stage_events"
[files.moves.columns]
opportunity_id = "Deal"
to_stage = "Stage"
at = "When"
"""


def test_a_mapped_history_file_imported_after_its_deals_uses_their_pipeline(
    workspace: Workspace, tmp_path: Path
) -> None:
    mapping = _write(tmp_path, "legacy.toml", MAPPING)
    deals = _write(tmp_path, "deals.csv", "Deal,Stage,Created\nL-1,Offer,02/01/2026\n")
    import_files(workspace, [deals], mapping=mapping)
    moves = _write(
        tmp_path,
        "moves.csv",
        "Deal,Stage,When\nL-1,Lead,02/01/2026\nL-1,Demo,15/01/2026\nL-1,Offer,01/02/2026\n",
    )
    import_files(workspace, [moves], mapping=mapping)
    assert [e[2] for e in _events(workspace, "L-1")] == ["Lead", "Demo", "Offer"]


def test_a_large_import_reads_the_stored_side_whole_and_decides_the_same(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipefit.store.imports as stored_side

    monkeypatch.setattr(stored_side, "WHOLE_TABLE", 0)  # every import counts as large
    test_a_newer_export_extends_the_stored_history_with_only_its_new_moves(
        workspace, tmp_path / "extend"
    )
    inserted = "006A1,2026-01-25T10:00:00Z,Value Proposition,45000,2026-03-31\n"
    with pytest.raises(ImportRejected):
        import_files(
            workspace, [_history(tmp_path / "late", JANUARY, inserted, MARCH)], fmt="salesforce"
        )
