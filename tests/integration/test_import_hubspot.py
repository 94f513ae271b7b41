"""Importing a HubSpot deals export (the hand-written sample in ../shared/data)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pipefit.config import Workspace
from pipefit.io.errors import ImportRejected
from pipefit.io.hubspot import read_hubspot
from pipefit.services.imports import ImportResult
from pipefit.store.tables import accounts, opportunities, people, stage_events, stages

from .workspaces import count, import_files, new_workspace, query

FOLDER = "hubspot_deals_sample"
PIPELINE = "Sales Pipeline"


def deal(workspace: Workspace, deal_id: str) -> Any:
    return query(workspace, select(opportunities).where(opportunities.c.opportunity_id == deal_id))[
        0
    ]


def history(workspace: Workspace, deal_id: str) -> list[tuple[Any, ...]]:
    rows = query(
        workspace,
        select(stage_events.c.from_stage, stage_events.c.to_stage)
        .where(stage_events.c.opportunity_id == deal_id)
        .order_by(stage_events.c.seq),
    )
    return [tuple(r) for r in rows]


@pytest.fixture(scope="module")
def hubspot(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, ImportResult]:
    workspace = new_workspace(tmp_path_factory.mktemp("hubspot"))
    result = import_files(workspace, [shared_data / FOLDER / "deals-export.csv"], fmt="hubspot")
    return workspace, result


@pytest.mark.realdata
def test_hubspot_import_lands_5_deals_and_22_stage_events(
    hubspot: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = hubspot
    assert result.counts["opportunities"] == 5
    assert count(workspace, opportunities) == 5
    assert count(workspace, stage_events) == 22
    per_deal = dict(
        query(
            workspace,
            select(stage_events.c.opportunity_id, func.count()).group_by(
                stage_events.c.opportunity_id
            ),
        )
    )
    assert per_deal == {"9001": 6, "9002": 4, "9003": 5, "9004": 4, "9005": 3}


@pytest.mark.realdata
def test_hubspot_pipeline_comes_from_the_date_entered_columns_in_column_order(
    hubspot: tuple[Workspace, ImportResult],
) -> None:
    workspace, _ = hubspot
    rows = query(
        workspace,
        select(stages.c.name, stages.c.category)
        .where(stages.c.pipeline == PIPELINE)
        .order_by(stages.c.position),
    )
    assert [tuple(r) for r in rows] == [
        ("Appointment Scheduled", "open"),
        ("Qualified To Buy", "open"),
        ("Presentation Scheduled", "open"),
        ("Decision Maker Bought-In", "open"),
        ("Contract Sent", "open"),
        ("Closed Won", "won"),
        ("Closed Lost", "lost"),
    ]
    assert count(workspace, opportunities, opportunities.c.pipeline != PIPELINE) == 0


@pytest.mark.realdata
def test_hubspot_stage_events_follow_time_order_and_skipped_stages_stay_skipped(
    hubspot: tuple[Workspace, ImportResult],
) -> None:
    workspace, _ = hubspot
    assert history(workspace, "9004") == [
        (None, "Appointment Scheduled"),
        ("Appointment Scheduled", "Qualified To Buy"),
        ("Qualified To Buy", "Contract Sent"),
        ("Contract Sent", "Closed Won"),
    ]
    assert history(workspace, "9002")[-1] == ("Presentation Scheduled", "Closed Lost")
    first = query(
        workspace,
        select(stage_events.c.at).where(
            stage_events.c.opportunity_id == "9001", stage_events.c.seq == 1
        ),
    )
    assert first[0][0] == datetime(2024, 1, 8, 9, 12, tzinfo=UTC)


@pytest.mark.realdata
def test_hubspot_outcomes_amounts_and_open_deals(hubspot: tuple[Workspace, ImportResult]) -> None:
    workspace, _ = hubspot
    won = deal(workspace, "9001")
    assert (won.outcome, won.amount, won.closed_at) == (
        "won",
        Decimal("48000"),
        datetime(2024, 4, 19, 16, 40, tzinfo=UTC),
    )
    assert deal(workspace, "9002").outcome == "lost"
    assert deal(workspace, "9003").amount == Decimal("76500.5")
    open_deal = deal(workspace, "9005")
    assert (open_deal.outcome, open_deal.amount, open_deal.closed_at) == ("open", None, None)


@pytest.mark.realdata
def test_hubspot_owners_become_people_and_companies_accounts(
    hubspot: tuple[Workspace, ImportResult],
) -> None:
    workspace, _ = hubspot
    owners = query(workspace, select(people.c.person_id, people.c.name, people.c.role))
    assert sorted(tuple(r) for r in owners) == [
        ("dana-ruiz", "Dana Ruiz", "sales_rep"),
        ("lee-okafor", "Lee Okafor", "sales_rep"),
        ("priya-nair", "Priya Nair", "sales_rep"),
    ]
    assert count(workspace, accounts) == 5
    first = deal(workspace, "9001")
    assert (first.owner_id, first.account_id) == ("dana-ruiz", "northwind-traders")


@pytest.mark.realdata
def test_hubspot_reimporting_the_same_file_changes_nothing(
    workspace: Workspace, shared_data: Path
) -> None:
    export = shared_data / FOLDER / "deals-export.csv"
    first = import_files(workspace, [export], fmt="hubspot")
    again = import_files(workspace, [export], fmt="hubspot")
    assert again.counts == first.counts
    assert again.report is not None
    assert all(t.inserted == 0 and t.updated == 0 for t in again.report.tables.values())
    assert count(workspace, stage_events) == 22


@pytest.mark.realdata
def test_hubspot_bad_values_are_all_reported_and_nothing_is_written(
    workspace: Workspace, shared_data: Path, tmp_path: Path
) -> None:
    export = tmp_path / "deals-export.csv"
    shutil.copy(shared_data / FOLDER / "deals-export.csv", export)
    lines = export.read_text("utf-8").splitlines()
    lines[1] = lines[1].replace(",48000.00,", ",48k,")  # line 2: Amount
    lines[3] = lines[3].replace(",2024-02-20 10:10,", ",2024-02-31 10:10,", 1)  # line 4
    export.write_text("\n".join(lines) + "\n", "utf-8")

    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, [export], fmt="hubspot")

    found = {(Path(e.file).name, e.row, e.column, e.value) for e in caught.value.errors}
    assert found == {
        ("deals-export.csv", 2, "Amount", "48k"),
        (
            "deals-export.csv",
            4,
            'Date entered "Qualified To Buy (Sales Pipeline)"',
            "2024-02-31 10:10",
        ),
    }
    assert count(workspace, opportunities) == 0
    assert count(workspace, stage_events) == 0


def test_hubspot_dates_in_day_first_form_are_detected(tmp_path: Path) -> None:
    export = tmp_path / "deals.csv"
    export.write_text(
        "Record ID,Deal Stage,Create Date,Close Date,Amount,"
        '"Date entered ""Lead (Partners)""","Date entered ""Closed Won (Partners)"""\n'
        "1,Closed Won,13/05/2024 09:00,20/05/2024,10,13/05/2024 09:00,20/05/2024 17:00\n",
        "utf-8",
    )
    batch = read_hubspot([export])
    assert batch.errors == []
    assert [p.name for p in batch.pipelines] == ["Partners"]
    events = batch.tables["stage_events"].to_pylist()
    assert [(e["to_stage"], e["at"]) for e in events] == [
        ("Lead", datetime(2024, 5, 13, 9, tzinfo=UTC)),
        ("Closed Won", datetime(2024, 5, 20, 17, tzinfo=UTC)),
    ]
    assert batch.tables["opportunities"]["pipeline"][0].as_py() == "Partners"
