"""Importing Maven Analytics' CRM Sales Opportunities files (../shared/data)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipefit.config import Workspace
from pipefit.io.errors import ImportRejected
from pipefit.services.imports import ImportResult
from pipefit.store.tables import accounts, opportunities, people, stage_events, stages, teams

from .workspaces import count, import_files, new_workspace, query

pytestmark = pytest.mark.realdata

FOLDER = "maven_crm_sales_opportunities"


def maven_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.csv"))


@pytest.fixture(scope="module")
def maven(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, ImportResult]:
    workspace = new_workspace(tmp_path_factory.mktemp("maven"))
    result = import_files(workspace, maven_files(shared_data / FOLDER), fmt="maven")
    return workspace, result


def test_maven_import_lands_8800_opportunities_with_their_stage_counts(
    maven: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = maven
    assert result.counts["opportunities"] == 8800
    by_stage = dict(
        query(
            workspace,
            select(opportunities.c.stage, func.count()).group_by(opportunities.c.stage),
        )
    )
    assert by_stage == {"Won": 4238, "Lost": 2473, "Engaging": 1589, "Prospecting": 500}
    outcomes = dict(
        query(
            workspace,
            select(opportunities.c.outcome, func.count()).group_by(opportunities.c.outcome),
        )
    )
    assert outcomes == {"won": 4238, "lost": 2473, "open": 2089}
    assert count(workspace, opportunities, opportunities.c.pipeline != "maven") == 0


def test_maven_keeps_its_own_pipeline_prospecting_engaging_won_lost(
    maven: tuple[Workspace, ImportResult],
) -> None:
    workspace, _ = maven
    rows = query(
        workspace,
        select(stages.c.name, stages.c.category)
        .where(stages.c.pipeline == "maven")
        .order_by(stages.c.position),
    )
    assert [tuple(r) for r in rows] == [
        ("Prospecting", "open"),
        ("Engaging", "open"),
        ("Won", "won"),
        ("Lost", "lost"),
    ]


def test_maven_won_revenue_is_10005534_and_lost_deals_keep_amount_zero(
    maven: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = maven
    won = query(
        workspace, select(func.sum(opportunities.c.amount)).where(opportunities.c.outcome == "won")
    )
    assert won[0][0] == Decimal("10005534")
    lost = query(
        workspace,
        select(opportunities.c.amount, func.count())
        .where(opportunities.c.outcome == "lost")
        .group_by(opportunities.c.amount),
    )
    assert [tuple(r) for r in lost] == [(Decimal("0"), 2473)]
    assert any("2,473 lost deals have close_value 0" in n for n in result.notes)


def test_maven_people_are_35_sales_agents_and_6_managers_in_3_regional_teams(
    maven: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = maven
    roles = dict(query(workspace, select(people.c.role, func.count()).group_by(people.c.role)))
    assert roles == {"sales_rep": 35, "manager": 6}
    team_rows = query(
        workspace, select(teams.c.team_id, teams.c.manager_id).order_by(teams.c.team_id)
    )
    assert [tuple(r) for r in team_rows] == [
        ("central", "dustin-brinkmann"),
        ("east", "cara-losch"),
        ("west", "celia-rouche"),
    ]
    moses = query(workspace, select(people).where(people.c.person_id == "moses-frase"))[0]
    assert (moses.name, moses.role, moses.team_id) == ("Moses Frase", "sales_rep", "central")
    melvin = query(workspace, select(people).where(people.c.person_id == "melvin-marxen"))[0]
    assert (melvin.role, melvin.team_id) == ("manager", "central")
    assert any("Central has 2 managers" in n for n in result.notes)
    # Every deal's owner is one of the agents.
    owners = select(opportunities.c.owner_id).distinct().subquery()
    assert count(workspace, owners, owners.c.owner_id.not_in(select(people.c.person_id))) == 0


def test_maven_accounts_get_typos_fixed_and_revenue_in_full_dollars(
    maven: tuple[Workspace, ImportResult],
) -> None:
    workspace, _ = maven
    assert count(workspace, accounts) == 85
    assert count(workspace, accounts, accounts.c.industry == "technolgy") == 0
    assert count(workspace, accounts, accounts.c.industry == "technology") == 12
    assert count(workspace, accounts, accounts.c.region == "Philipines") == 0
    bio = query(workspace, select(accounts).where(accounts.c.account_id == "bioholding"))[0]
    assert bio.region == "Philippines"
    acme = query(workspace, select(accounts).where(accounts.c.account_id == "acme-corporation"))[0]
    assert (acme.name, acme.employees) == ("Acme Corporation", 2822)
    assert acme.annual_revenue == Decimal("1100040000")
    assert acme.segment == "enterprise"
    gekko = query(workspace, select(accounts.c.account_id).where(accounts.c.name == "Gekko & Co"))
    assert gekko[0][0] == "gekko-co"


def test_maven_product_gtxpro_is_read_as_the_catalogue_name_gtx_pro(
    maven: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = maven
    assert count(workspace, opportunities, opportunities.c.product == "GTXPro") == 0
    assert count(workspace, opportunities, opportunities.c.product == "GTX Pro") == 1480
    assert any("'GTXPro' read as 'GTX Pro' (1,480 deals)" in n for n in result.notes)


def test_maven_open_deals_without_an_account_are_kept(
    maven: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = maven
    no_account = opportunities.c.account_id.is_(None)
    assert count(workspace, opportunities, no_account) == 1425
    assert count(workspace, opportunities, no_account, opportunities.c.outcome != "open") == 0
    assert any("1,425 open deals have no account" in n for n in result.notes)


def test_maven_stage_events_come_from_the_engage_and_close_dates(
    maven: tuple[Workspace, ImportResult],
) -> None:
    workspace, _ = maven
    assert count(workspace, stage_events) == 8800 + 4238 + 2473
    won = query(
        workspace,
        select(stage_events).where(stage_events.c.opportunity_id == "1C1I7A6R").order_by("seq"),
    )
    assert [(e.seq, e.from_stage, e.to_stage, e.at) for e in won] == [
        (1, None, "Engaging", datetime(2016, 10, 20, tzinfo=UTC)),
        (2, "Engaging", "Won", datetime(2017, 3, 1, tzinfo=UTC)),
    ]
    deal = query(
        workspace, select(opportunities).where(opportunities.c.opportunity_id == "1C1I7A6R")
    )
    assert deal[0].created_at == datetime(2016, 10, 20, tzinfo=UTC)
    assert deal[0].closed_at == datetime(2017, 3, 1, tzinfo=UTC)


def test_maven_prospecting_deals_start_at_the_earliest_date_in_the_file_and_say_so(
    maven: tuple[Workspace, ImportResult],
) -> None:
    workspace, result = maven
    earliest = datetime(2016, 10, 20, tzinfo=UTC)
    prospecting = opportunities.c.stage == "Prospecting"
    assert (
        count(workspace, opportunities, prospecting, opportunities.c.created_at == earliest) == 500
    )
    first_events = query(
        workspace,
        select(stage_events.c.to_stage, func.count())
        .join(opportunities, opportunities.c.opportunity_id == stage_events.c.opportunity_id)
        .where(prospecting)
        .group_by(stage_events.c.to_stage),
    )
    assert [tuple(r) for r in first_events] == [("Prospecting", 500)]
    assert any(
        "500 Prospecting deals have no engage date" in n and "2016-10-20" in n for n in result.notes
    )


def test_maven_reimporting_the_same_files_changes_nothing(
    workspace: Workspace, shared_data: Path
) -> None:
    files = maven_files(shared_data / FOLDER)
    first = import_files(workspace, files, fmt="maven")
    again = import_files(workspace, files, fmt="maven")
    assert again.counts == first.counts
    assert again.report is not None
    assert {name: t.inserted for name, t in again.report.tables.items()} == {
        name: 0 for name in again.report.tables
    }
    assert all(t.updated == 0 for t in again.report.tables.values())
    assert count(workspace, opportunities) == 8800
    assert count(workspace, stage_events) == 15511


def test_maven_bad_values_are_all_reported_and_nothing_is_written(
    workspace: Workspace, shared_data: Path, tmp_path: Path
) -> None:
    for path in maven_files(shared_data / FOLDER):
        shutil.copy(path, tmp_path / path.name)
    pipeline = tmp_path / "sales_pipeline.csv"
    lines = pipeline.read_text("utf-8").splitlines()
    assert lines[1].startswith("1C1I7A6R,")
    lines[1] = lines[1].replace("2016-10-20", "2016-02-30")  # line 2: impossible engage date
    lines[4] = lines[4].replace(",588", ",5k8")  # line 5: close_value not a number
    pipeline.write_text("\n".join(lines) + "\n", "utf-8")
    account_file = tmp_path / "accounts.csv"
    account_file.write_text(account_file.read_text("utf-8").replace(",2822,", ",many,"), "utf-8")

    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, maven_files(tmp_path), fmt="maven")

    found = {(Path(e.file).name, e.row, e.column, e.value) for e in caught.value.errors}
    assert found == {
        ("sales_pipeline.csv", 2, "engage_date", "2016-02-30"),
        ("sales_pipeline.csv", 5, "close_value", "5k8"),
        ("accounts.csv", 2, "employees", "many"),
    }
    assert count(workspace, opportunities) == 0
    assert count(workspace, accounts) == 0
    assert count(workspace, stage_events) == 0


def test_maven_data_dictionary_is_skipped_and_a_stranger_file_is_refused(
    shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / FOLDER
    stranger = tmp_path / "deals.csv"
    stranger.write_text("a,b\n1,2\n", "utf-8")
    workspace = new_workspace(tmp_path / "ws")
    ok = import_files(
        workspace,
        [source / "data_dictionary.csv", source / "products.csv"],
        fmt="maven",
        dry_run=True,
    )
    assert any("data_dictionary.csv: skipped" in n for n in ok.notes)
    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, [stranger], fmt="maven")
    assert "is not a file of the Maven CRM layout" in str(caught.value)
