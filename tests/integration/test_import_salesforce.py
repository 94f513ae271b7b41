"""Importing Salesforce Opportunity + Opportunity History exports (../shared/data)."""

from __future__ import annotations

import codecs
import shutil
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from pipefit.config import Workspace
from pipefit.io.errors import ImportRejected
from pipefit.io.salesforce import read_salesforce
from pipefit.services.imports import ImportResult
from pipefit.store.tables import (
    accounts,
    opportunities,
    opportunity_changes,
    people,
    stage_events,
    stages,
)

from .workspaces import count, import_files, new_workspace, query

FOLDER = "preppin_2022w23_salesforce_opportunity_history"
BOM = codecs.BOM_UTF8.decode("utf-8")
OPP_HEADER = "Id,Name,AccountId,StageName,Amount,OwnerId,CreatedDate,CloseDate,IsWon,IsClosed"


def salesforce_files(folder: Path) -> list[Path]:
    return [folder / "Opportunity.csv", folder / "Opportunity History.csv"]


def events_of(workspace: Workspace, opportunity_id: str) -> list[tuple[Any, ...]]:
    rows = query(
        workspace,
        select(
            stage_events.c.seq,
            stage_events.c.from_stage,
            stage_events.c.to_stage,
            stage_events.c.at,
        )
        .where(stage_events.c.opportunity_id == opportunity_id)
        .order_by(stage_events.c.seq),
    )
    return [tuple(r) for r in rows]


def write(path: Path, *lines: str) -> Path:
    path.write_text(BOM + "\n".join(lines) + "\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def salesforce(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, ImportResult]:
    workspace = new_workspace(tmp_path_factory.mktemp("salesforce"))
    result = import_files(workspace, salesforce_files(shared_data / FOLDER), fmt="salesforce")
    return workspace, result


@pytest.mark.realdata
def test_salesforce_import_lands_219_opportunities_and_477_stage_moves_of_584_history_rows(
    salesforce: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = salesforce
    assert result.counts["opportunities"] == 219
    assert count(workspace, opportunities) == 219
    # 107 of the 584 rows repeat the stage the row before them entered (e.g. Prospecting
    # on 15/03 and again on 16/04): Salesforce wrote them for another field's change, and
    # this report export has no Amount or CloseDate to say which. They are not moves.
    assert count(workspace, stage_events) == 477
    assert count(workspace, stage_events, stage_events.c.from_stage == stage_events.c.to_stage) == 0
    assert count(workspace, opportunity_changes) == 0
    assert any(
        "107 of 584 rows repeat the stage" in n and "not stage moves" in n for n in result.notes
    )
    assert count(workspace, opportunities, opportunities.c.pipeline != "salesforce") == 0


@pytest.mark.realdata
def test_salesforce_history_file_with_a_byte_order_mark_is_read(
    salesforce: tuple[Workspace, ImportResult], shared_data: Path
) -> None:
    workspace, _ = salesforce
    history = shared_data / FOLDER / "Opportunity History.csv"
    assert history.read_bytes().startswith(codecs.BOM_UTF8)
    # The BOM sits before "OppID": had it stuck to the name, no event would have an id.
    ids = select(stage_events.c.opportunity_id).distinct().subquery()
    assert count(workspace, ids) == 219


@pytest.mark.realdata
def test_salesforce_dd_mm_yyyy_dates_are_detected_and_noted(
    salesforce: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = salesforce
    first = query(
        workspace,
        select(opportunities).where(opportunities.c.opportunity_id == "0068d000002OrZqAAK"),
    )[0]
    assert first.created_at == datetime(2022, 3, 14, tzinfo=UTC)  # "14/03/2022"
    assert first.closed_at == datetime(2022, 3, 24, tzinfo=UTC)  # "24/03/2022", Closed Lost
    assert any("dates read as DD/MM/YYYY (detected" in n for n in result.notes)


@pytest.mark.realdata
def test_salesforce_stage_name_wins_over_a_contradicting_is_won(
    salesforce: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = salesforce
    outcomes = dict(
        query(
            workspace,
            select(opportunities.c.outcome, func.count()).group_by(opportunities.c.outcome),
        )
    )
    # StageName says 89 Closed Won and 57 Closed Lost; IsWon says TRUE on 25 rows only.
    assert outcomes == {"won": 89, "lost": 57, "open": 73}
    assert any("IsWon contradicts StageName on 86 opportunities" in n for n in result.notes)


@pytest.mark.realdata
def test_salesforce_backward_stage_moves_are_kept_as_history(
    salesforce: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = salesforce
    assert events_of(workspace, "0068d000002OrbYAAS") == [
        (1, None, "Negotiation/Review", datetime(2022, 4, 6, tzinfo=UTC)),
        (2, "Negotiation/Review", "Prospecting", datetime(2022, 7, 2, tzinfo=UTC)),
        (3, "Prospecting", "Closed Won", datetime(2022, 7, 7, tzinfo=UTC)),
    ]
    position = {
        r.name: r.position
        for r in query(workspace, select(stages).where(stages.c.pipeline == "salesforce"))
    }
    moves: dict[str, list[int]] = {}
    for event in query(workspace, select(stage_events).order_by("opportunity_id", "seq")):
        moves.setdefault(event.opportunity_id, []).append(position[event.to_stage])
    backwards = [o for o, p in moves.items() if any(b < a for a, b in pairwise(p))]
    assert len(backwards) == 55
    assert any("55 opportunities move backwards" in n for n in result.notes)


@pytest.mark.realdata
def test_salesforce_keeps_the_orgs_own_stages_ordered_by_sort_order(
    salesforce: tuple[Workspace, ImportResult],
) -> None:
    workspace, _ = salesforce
    rows = query(
        workspace,
        select(stages.c.name, stages.c.category)
        .where(stages.c.pipeline == "salesforce")
        .order_by(stages.c.position),
    )
    # The history's SortOrder: 1, 2, 4, 8, 9, 10. Salesforce's default stages this org
    # never used (Needs Analysis, Id. Decision Makers, ...) are not listed.
    assert [tuple(r) for r in rows] == [
        ("Prospecting", "open"),
        ("Qualification", "open"),
        ("Value Proposition", "open"),
        ("Negotiation/Review", "open"),
        ("Closed Won", "won"),
        ("Closed Lost", "lost"),
    ]


@pytest.mark.realdata
def test_salesforce_owners_become_sales_reps_and_account_ids_become_accounts(
    salesforce: tuple[Workspace, ImportResult],
) -> None:
    workspace, _ = salesforce
    assert count(workspace, people, people.c.role == "sales_rep") == 26
    assert count(workspace, people, people.c.name != people.c.person_id) == 0
    assert count(workspace, accounts) == 118
    assert count(workspace, accounts, accounts.c.name != accounts.c.account_id) == 0
    deal = query(
        workspace,
        select(opportunities).where(opportunities.c.opportunity_id == "0068d000002OrZqAAK"),
    )[0]
    assert (deal.owner_id, deal.account_id) == ("0058d000002C3D2AAK", "0018d000007K0NXAA0")
    assert deal.amount == Decimal("454160")


@pytest.mark.realdata
def test_salesforce_open_opportunities_keep_no_expected_close_date(
    salesforce: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = salesforce
    is_open = opportunities.c.outcome == "open"
    assert count(workspace, opportunities, is_open, opportunities.c.closed_at.is_not(None)) == 0
    assert count(workspace, opportunities, ~is_open, opportunities.c.closed_at.is_(None)) == 0
    assert any("CloseDate of the 73 open opportunities" in n for n in result.notes)


@pytest.mark.realdata
def test_salesforce_reimporting_the_same_files_changes_nothing(
    workspace: Workspace, shared_data: Path
) -> None:
    files = salesforce_files(shared_data / FOLDER)
    first = import_files(workspace, files, fmt="salesforce")
    again = import_files(workspace, files, fmt="salesforce")
    assert again.counts == first.counts
    assert again.report is not None
    assert all(t.inserted == 0 and t.updated == 0 for t in again.report.tables.values())
    assert count(workspace, stage_events) == 477


def test_salesforce_equal_dates_keep_the_file_order_and_reimport_adds_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    opp = write(
        tmp_path / "Opportunity.csv",
        OPP_HEADER,
        "006A,Deal A,001A,Qualification,100,005A,02/03/2022,30/06/2022,FALSE,FALSE",
    )
    history = write(
        tmp_path / "Opportunity History.csv",
        "OppID,CreatedDate,StageName,SortOrder",
        "006A,14/03/2022,Prospecting,1",
        "006A,14/03/2022,Value Proposition,4",
        "006A,14/03/2022,Qualification,2",
        "006A,02/03/2022,Prospecting,1",
    )
    import_files(workspace, [opp, history], fmt="salesforce")
    march_14 = datetime(2022, 3, 14, tzinfo=UTC)
    # Prospecting on 14/03 repeats the stage entered on 02/03: no move.
    assert events_of(workspace, "006A") == [
        (1, None, "Prospecting", datetime(2022, 3, 2, tzinfo=UTC)),
        (2, "Prospecting", "Value Proposition", march_14),
        (3, "Value Proposition", "Qualification", march_14),
    ]
    again = import_files(workspace, [opp, history], fmt="salesforce")
    assert again.report is not None
    assert again.report.tables["stage_events"].inserted == 0
    assert count(workspace, stage_events) == 3


def test_salesforce_dates_whose_day_and_month_order_is_open_are_refused_unless_declared(
    tmp_path: Path,
) -> None:
    opp = write(
        tmp_path / "Opportunity.csv",
        OPP_HEADER,
        "006A,Deal A,001A,Closed Won,100,005A,01/03/2022,05/04/2022 16:11,TRUE,TRUE",
    )
    detected = read_salesforce([opp])
    assert {(e.row, e.column, e.value) for e in detected.errors} == {
        (2, "CreatedDate", "01/03/2022"),
        (2, "CloseDate", "05/04/2022 16:11"),
    }
    assert all("DD/MM/YYYY or MM/DD/YYYY" in e.message for e in detected.errors)

    declared = read_salesforce([opp], date_format="%m/%d/%Y")
    assert declared.errors == []
    row = declared.tables["opportunities"].to_pylist()[0]
    assert row["created_at"] == datetime(2022, 1, 3, tzinfo=UTC)
    assert row["closed_at"] == datetime(2022, 5, 4, 16, 11, tzinfo=UTC)


def test_salesforce_iso_dates_are_detected(tmp_path: Path) -> None:
    opp = write(
        tmp_path / "Opportunity.csv",
        OPP_HEADER,
        "006A,Deal A,001A,Prospecting,100,005A,2022-03-01,2022-04-05,FALSE,FALSE",
    )
    batch = read_salesforce([opp])
    assert batch.errors == []
    assert batch.tables["opportunities"]["created_at"][0].as_py() == datetime(
        2022, 3, 1, tzinfo=UTC
    )
    assert any("ISO 8601" in n for n in batch.notes)


@pytest.mark.realdata
def test_salesforce_bad_values_are_all_reported_and_nothing_is_written(
    workspace: Workspace, shared_data: Path, tmp_path: Path
) -> None:
    for path in salesforce_files(shared_data / FOLDER):
        shutil.copy(path, tmp_path / path.name)
    opp = tmp_path / "Opportunity.csv"
    lines = opp.read_text("utf-8").splitlines()
    assert lines[1].startswith("14/03/2022,0068d000002OrZqAAK,")
    lines[1] = lines[1].replace("14/03/2022,", "32/03/2022,", 1)  # line 2: CreatedDate
    lines[2] = lines[2].replace(",493470,", ",lots,", 1)  # line 3: Amount
    opp.write_text("\n".join(lines) + "\n", "utf-8")
    history = tmp_path / "Opportunity History.csv"
    text = history.read_text("utf-8")
    assert "0068d000002OrbYAAS,06/04/2022," in text
    # Arrow would roll 31/02 over to 03/03; pipefit must refuse it.
    history.write_text(
        text.replace("0068d000002OrbYAAS,06/04/2022,", "0068d000002OrbYAAS,31/02/2022,"), "utf-8"
    )

    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, salesforce_files(tmp_path), fmt="salesforce")

    found = {(Path(e.file).name, e.row, e.column, e.value) for e in caught.value.errors}
    assert found == {
        ("Opportunity.csv", 2, "CreatedDate", "32/03/2022"),
        ("Opportunity.csv", 3, "Amount", "lots"),
        ("Opportunity History.csv", 2, "CreatedDate", "31/02/2022"),
    }
    assert count(workspace, opportunities) == 0
    assert count(workspace, stage_events) == 0
    assert count(workspace, people) == 0
