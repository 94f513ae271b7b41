"""Importing other layouts through a TOML mapping file (docs/mappings.md)."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

import pipefit.io
from pipefit.config import Workspace
from pipefit.io.errors import ImportRejected
from pipefit.io.mapping import load_mapping, read_mapped
from pipefit.store.tables import opportunities, people, stage_events, stages

from .workspaces import count, import_files, new_workspace, query

EXAMPLES = Path(pipefit.io.__file__).parent / "mappings"

OWN_PIPELINE = """
[source]
name = "pipedrive"
date_format = "%d/%m/%Y"

[pipeline]
name = "pipedrive"
stages = [{name = "Lead In"}, {name = "Demo done"}, {name = "Won", category = "won"},
          {name = "Lost", category = "lost"}]

[files.deals]
entity = "opportunities"

[files.deals.columns]
opportunity_id = "Deal ID"
name = "Title"
stage = "Stage"
amount = "Value"
owner_id = "Owner"
created_at = "Deal created"
closed_at = ["Won time", "Lost time"]

[files.deals.values.stage]
"Demo" = "Demo done"

[files.deals.constants]
currency = "EUR"
"""

DEALS = """Deal ID,Title,Stage,Value,Deal created,Won time,Lost time,Owner
D1,Alpha,Lead In,1000,02/03/2024,,,Ana
D2,Beta,demo,"2,500.50",15/02/2024,,,Ana
D3,Gamma,Won,4000,01/01/2024,20/03/2024 14:30,,Bo
D4,Delta,Lost,0,05/01/2024,,28/02/2024,Bo
"""

ONTO_WORKSPACE = """
[source]
name = "legacy-crm"
pipeline = "inbound"

[stages]
"New" = "Discovery"
"Demo" = "Evaluation"
"Signed" = "Closed won"
"Dead" = "Closed lost"

[files.deals]
entity = "opportunities"
match = "deals*.csv"

[files.deals.columns]
opportunity_id = "id"
stage = "status"
created_at = "created"

[files.history]
entity = "stage_events"
match = "*history*.csv"

[files.history.columns]
opportunity_id = "deal"
to_stage = "status"
at = "when"

[files.reps]
entity = "people"

[files.reps.columns]
person_id = "login"
name = "full name"

[files.reps.constants]
role = "sales_rep"
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text.lstrip("\n"), "utf-8")
    return path


def onto_workspace_files(folder: Path) -> tuple[Path, list[Path]]:
    mapping = write(folder / "legacy.toml", ONTO_WORKSPACE)
    deals = write(
        folder / "deals-2024.csv", "id,status,created\nL1,Demo,2024-01-10\nL2,Signed,2024-01-12\n"
    )
    history = write(
        folder / "deal history.csv",
        "deal,status,when\nL1,New,2024-01-10\nL1,Demo,2024-02-01T09:30:00Z\n"
        "L2,New,2024-01-12\nL2,Demo,2024-01-20\nL2,Signed,2024-03-01\n",
    )
    reps = write(folder / "reps.csv", "login,full name\nana,Ana Lima\n")
    return mapping, [deals, history, reps]


def test_mapped_deals_keep_their_own_pipeline_with_dd_mm_yyyy_dates(tmp_path: Path) -> None:
    mapping = write(tmp_path / "pipedrive.toml", OWN_PIPELINE)
    deals = write(tmp_path / "Deals.csv", DEALS)
    workspace = new_workspace(tmp_path / "ws")

    result = import_files(workspace, [deals], mapping=mapping)

    assert result.counts == {"opportunities": 4}
    rows = query(
        workspace,
        select(stages.c.name, stages.c.category)
        .where(stages.c.pipeline == "pipedrive")
        .order_by(stages.c.position),
    )
    assert [tuple(r) for r in rows] == [
        ("Lead In", "open"),
        ("Demo done", "open"),
        ("Won", "won"),
        ("Lost", "lost"),
    ]
    deals_by_id = {r.opportunity_id: r for r in query(workspace, select(opportunities))}
    assert deals_by_id["D2"].stage == "Demo done"
    assert deals_by_id["D2"].amount == Decimal("2500.5")
    assert deals_by_id["D2"].created_at == datetime(2024, 2, 15, tzinfo=UTC)
    won = deals_by_id["D3"]
    assert (won.outcome, won.closed_at) == ("won", datetime(2024, 3, 20, 14, 30, tzinfo=UTC))
    assert deals_by_id["D4"].closed_at == datetime(2024, 2, 28, tzinfo=UTC)
    assert deals_by_id["D1"].closed_at is None
    assert {(r.pipeline, r.currency, r.source) for r in deals_by_id.values()} == {
        ("pipedrive", "EUR", "pipedrive")
    }


def test_mapped_stages_land_on_the_workspace_pipeline_with_their_history(tmp_path: Path) -> None:
    mapping, files = onto_workspace_files(tmp_path)
    workspace = new_workspace(tmp_path / "ws")

    result = import_files(workspace, files, mapping=mapping)

    assert result.counts == {"opportunities": 2, "stage_events": 5, "people": 1}
    outcome = dict(query(workspace, select(opportunities.c.stage, opportunities.c.outcome)))
    assert outcome == {"Evaluation": "open", "Closed won": "won"}
    assert count(workspace, opportunities, opportunities.c.pipeline != "inbound") == 0
    events = query(
        workspace,
        select(stage_events)
        .where(stage_events.c.opportunity_id == "L2")
        .order_by(stage_events.c.seq),
    )
    assert [(e.seq, e.to_stage) for e in events] == [
        (1, "Discovery"),
        (2, "Evaluation"),
        (3, "Closed won"),
    ]
    assert query(workspace, select(people.c.name, people.c.role)) == [("Ana Lima", "sales_rep")]
    assert count(workspace, stages, stages.c.pipeline == "legacy-crm") == 0


def test_reimporting_mapped_files_changes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    mapping, files = onto_workspace_files(tmp_path)
    first = import_files(workspace, files, mapping=mapping)

    again = import_files(workspace, files, mapping=mapping)

    assert again.counts == first.counts
    assert again.report is not None
    assert all(t.inserted == 0 and t.updated == 0 for t in again.report.tables.values())
    assert count(workspace, stage_events) == 5


def test_mapping_mistakes_are_all_reported_each_naming_its_key(tmp_path: Path) -> None:
    mapping = write(
        tmp_path / "broken.toml",
        """
[source]
name = "x"
date_format = "the usual"
colour = "blue"

[pipeline]
name = "x"
stages = [{name = "Open"}, {name = "Done", category = "finished"}]

[files.deals]
entity = "opportunity"

[files.people]
entity = "people"
[files.people.columns]
person_id = "id"
nickname = "nick"

[files.events]
entity = "stage_events"
[files.events.columns]
opportunity_id = "deal"
[files.events.values.reason]
"x" = "y"
""",
    )
    deals = write(tmp_path / "deals.csv", "a\n1\n")

    batch = read_mapped([deals], mapping)

    keys = {(e.column, e.value) for e in batch.errors}
    assert {e.file for e in batch.errors} == {str(mapping)}
    assert ("source.date_format", "the usual") in keys
    assert ("source.colour", None) in keys
    assert ("pipeline.stages[1].category", "finished") in keys
    assert ("files.deals.entity", "opportunity") in keys
    assert ("files.people.columns.nickname", None) in keys
    messages = {e.column: e.message for e in batch.errors}
    assert "people needs 'name', 'role'" in messages["files.people.columns"]
    assert "is not a field of people" in messages["files.people.columns.nickname"]
    assert "is not a record type" in messages["files.deals.entity"]
    assert "does not map" in messages["files.events.values.reason"]
    assert "stage_events needs 'to_stage', 'at'" in messages["files.events.columns"]
    assert batch.tables == {}


def test_invalid_toml_is_reported_with_the_mapping_file(tmp_path: Path) -> None:
    mapping = write(tmp_path / "bad.toml", "[files.deals\nentity = 1\n")
    batch = read_mapped([tmp_path / "deals.csv"], mapping)
    assert len(batch.errors) == 1
    assert batch.errors[0].file == str(mapping)
    assert "is not a valid TOML file" in batch.errors[0].message


def test_a_source_column_missing_from_the_file_is_reported_with_file_and_column(
    tmp_path: Path,
) -> None:
    mapping = write(tmp_path / "pipedrive.toml", OWN_PIPELINE)
    deals = write(tmp_path / "deals.csv", DEALS.replace("Value", "Worth").replace("Owner", "Rep"))
    workspace = new_workspace(tmp_path / "ws")

    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, [deals], mapping=mapping)

    found = {(e.file, e.row, e.column) for e in caught.value.errors}
    assert found == {(str(deals), 1, "Value"), (str(deals), 1, "Owner")}
    assert "files.deals.columns.amount" in str(caught.value.errors[0])
    assert count(workspace, opportunities) == 0


def test_bad_values_in_a_mapped_file_are_all_reported_by_source_column_and_nothing_is_written(
    workspace: Workspace, tmp_path: Path
) -> None:
    mapping = write(tmp_path / "pipedrive.toml", OWN_PIPELINE)
    broken = DEALS.replace("D1,Alpha,Lead In,1000,", "D1,Alpha,Lead In,1k,").replace(
        "D3,Gamma,Won,4000,01/01/2024,20/03/2024 14:30", "D3,Gamma,Won,4000,01/01/2024,31/02/2024"
    )
    deals = write(tmp_path / "deals.csv", broken + "D5,Epsilon,Lead In,5,,,,Ana\n")

    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, [deals], mapping=mapping)

    found = {(e.row, e.column, e.value) for e in caught.value.errors}
    assert found == {
        (2, "Value", "1k"),
        (4, "Won time / Lost time", "31/02/2024"),
        (6, "Deal created", None),
    }
    assert {e.file for e in caught.value.errors} == {str(deals)}
    assert count(workspace, opportunities) == 0
    assert count(workspace, stages, stages.c.pipeline == "pipedrive") == 0


def test_a_stage_outside_the_pipeline_is_reported_on_its_row_under_the_source_column(
    tmp_path: Path,
) -> None:
    mapping, files = onto_workspace_files(tmp_path)
    files[0].write_text("id,status,created\nL1,Negotiating,2024-01-10\n", "utf-8")
    workspace = new_workspace(tmp_path / "ws")

    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, files[:1], mapping=mapping)

    error = caught.value.errors[0]
    assert (error.row, error.column, error.value) == (2, "status", "Negotiating")
    assert "is not a stage of pipeline 'inbound'" in error.message


def test_a_file_no_section_reads_is_refused(tmp_path: Path) -> None:
    mapping = write(tmp_path / "pipedrive.toml", OWN_PIPELINE)
    other = write(tmp_path / "contacts.csv", "a\n1\n")
    batch = read_mapped([other], mapping)
    assert [(e.file, e.row) for e in batch.errors] == [(str(other), None)]
    assert "no [files.*] section of pipedrive.toml reads this file" in batch.errors[0].message


def test_auto_date_format_is_detected_per_file_and_noted(tmp_path: Path) -> None:
    mapping = write(
        tmp_path / "auto.toml",
        OWN_PIPELINE.replace('date_format = "%d/%m/%Y"', 'date_format = "auto"'),
    )
    us_style = DEALS.replace("15/02/2024", "02/15/2024").replace("20/03/2024", "03/20/2024")
    us_style = us_style.replace("28/02/2024", "02/28/2024")
    deals = write(tmp_path / "deals.csv", us_style)

    batch = read_mapped([deals], mapping)

    assert batch.errors == []
    assert any(
        "deals.csv: Deal created: dates read as MM/DD/YYYY (detected" in n for n in batch.notes
    )
    created = batch.tables["opportunities"]["created_at"].to_pylist()
    assert created[0] == datetime(2024, 2, 3, tzinfo=UTC)  # "02/03/2024", month first


def test_the_shipped_example_mappings_are_valid() -> None:
    examples = sorted(EXAMPLES.glob("*.toml"))
    assert [p.name for p in examples] == [
        "olist-funnel.toml",
        "pipedrive-deals.toml",
        "salesforce-ddmmyyyy.toml",
    ]
    for path in examples:
        mapping, errors = load_mapping(path)
        assert errors == [], path
        assert mapping is not None


PIPEDRIVE_EXPORT = Path(__file__).parents[1] / "fixtures" / "pipedrive" / "deals-export.csv"


def pipedrive_rows() -> list[dict[str, str]]:
    with PIPEDRIVE_EXPORT.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_pipedrive_example_takes_won_and_lost_from_the_deal_status(
    workspace: Workspace,
) -> None:
    export = pipedrive_rows()
    by_status = {s: [r for r in export if r["Deal - Status"] == s] for s in ("Open", "Won", "Lost")}

    result = import_files(workspace, [PIPEDRIVE_EXPORT], mapping=EXAMPLES / "pipedrive-deals.toml")

    stored = {
        r.opportunity_id: r
        for r in query(workspace, select(opportunities).order_by(opportunities.c.opportunity_id))
    }
    assert set(stored) == {r["Deal - ID"] for rows in by_status.values() for r in rows}
    for row in by_status["Open"]:
        deal = stored[row["Deal - ID"]]
        assert (deal.stage, deal.outcome, deal.closed_at) == (row["Deal - Stage"], "open", None)
    for status, stage, time in (
        ("Won", "Won", "Deal - Won time"),
        ("Lost", "Lost", "Deal - Lost time"),
    ):
        for row in by_status[status]:
            deal = stored[row["Deal - ID"]]
            assert (deal.stage, deal.outcome) == (stage, status.lower())
            assert deal.closed_at == datetime.fromisoformat(row[time]).replace(tzinfo=UTC)
            assert deal.loss_reason == (row["Deal - Lost reason"] or None)
    assert stored["102"].name == "Harbor & Reed, annual licences"
    assert stored["102"].amount == Decimal("4200.50")
    assert result.notes[0] == (
        "deals-export.csv: [files.deals] took 11 of 12 rows "
        "(where Deal - Status is 'open', 'won' or 'lost')"
    )


def test_the_pipedrive_example_keeps_the_stage_a_deal_was_won_or_lost_in(
    workspace: Workspace,
) -> None:
    closed = [r for r in pipedrive_rows() if r["Deal - Status"] in ("Won", "Lost")]

    import_files(workspace, [PIPEDRIVE_EXPORT], mapping=EXAMPLES / "pipedrive-deals.toml")

    events = query(workspace, select(stage_events).order_by(stage_events.c.opportunity_id))
    assert [
        (e.opportunity_id, e.seq, e.from_stage, e.to_stage, e.at, e.reason) for e in events
    ] == [
        (
            r["Deal - ID"],
            1,
            r["Deal - Stage"],
            r["Deal - Status"],
            datetime.fromisoformat(r["Deal - Won time"] or r["Deal - Lost time"]).replace(
                tzinfo=UTC
            ),
            r["Deal - Lost reason"] or None,
        )
        for r in sorted(closed, key=lambda r: r["Deal - ID"])
    ]
    lost_in = dict(
        query(
            workspace,
            select(stage_events.c.opportunity_id, stage_events.c.from_stage).where(
                stage_events.c.to_stage == "Lost"
            ),
        )
    )
    assert lost_in == {"301": "Demo Scheduled", "302": "Proposal Made"}


def test_reimporting_the_pipedrive_export_changes_nothing(sqlite_workspace: Workspace) -> None:
    mapping = EXAMPLES / "pipedrive-deals.toml"
    import_files(sqlite_workspace, [PIPEDRIVE_EXPORT], mapping=mapping)

    again = import_files(sqlite_workspace, [PIPEDRIVE_EXPORT], mapping=mapping)

    assert again.report is not None
    assert all(t.inserted == 0 and t.updated == 0 for t in again.report.tables.values())


def test_a_deal_id_on_two_rows_is_refused_naming_both_rows_and_the_source_column(
    tmp_path: Path,
) -> None:
    lines = PIPEDRIVE_EXPORT.read_text("utf-8").splitlines(keepends=True)
    export = write(tmp_path / "deals-export.csv", "".join(lines) + lines[3])
    workspace = new_workspace(tmp_path / "ws")

    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, [export], mapping=EXAMPLES / "pipedrive-deals.toml")

    [error] = [e for e in caught.value.errors if e.column == "Deal - ID"]
    assert (error.file, error.row, error.value) == (str(export), 14, "103")
    assert "appears 2 times in this import (deals-export.csv row 4, deals-export.csv row 14)" in (
        error.message
    )
    assert {e.column for e in caught.value.errors} == {"Deal - ID"}


def test_a_history_row_of_an_unknown_deal_names_the_source_column(tmp_path: Path) -> None:
    mapping, files = onto_workspace_files(tmp_path)
    files[1].write_text("deal,status,when\nL7,New,2024-01-10\n", "utf-8")
    workspace = new_workspace(tmp_path / "ws")

    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, files[1:2], mapping=mapping)

    [error] = caught.value.errors
    assert (error.file, error.row, error.column, error.value) == (str(files[1]), 2, "deal", "L7")


def test_a_salesforce_stage_outside_the_pipeline_names_stagename(tmp_path: Path) -> None:
    opportunity = write(
        tmp_path / "Opportunity.csv",
        "Id,Name,AccountId,StageName,Amount,OwnerId,CreatedDate,CloseDate\n"
        "0061,Acme,0011,Prospecting,100,0051,02/01/2024,28/02/2024\n"
        "0062,Globex,0012,Qualifcation,200,0051,03/01/2024,28/02/2024\n",
    )
    workspace = new_workspace(tmp_path / "ws")

    with pytest.raises(ImportRejected) as caught:
        import_files(workspace, [opportunity], mapping=EXAMPLES / "salesforce-ddmmyyyy.toml")

    [error] = caught.value.errors
    assert (error.row, error.column, error.value) == (3, "StageName", "Qualifcation")


@pytest.mark.realdata
def test_the_salesforce_example_maps_the_export_onto_the_inbound_pipeline(
    shared_data: Path, tmp_path: Path
) -> None:
    folder = shared_data / "preppin_2022w23_salesforce_opportunity_history"
    workspace = new_workspace(tmp_path / "ws")

    result = import_files(
        workspace,
        [folder / "Opportunity.csv", folder / "Opportunity History.csv"],
        mapping=EXAMPLES / "salesforce-ddmmyyyy.toml",
    )

    assert result.counts == {"opportunities": 219, "stage_events": 584}
    by_stage = dict(
        query(
            workspace, select(opportunities.c.stage, func.count()).group_by(opportunities.c.stage)
        )
    )
    assert by_stage == {
        "Discovery": 29,
        "Solutions overview": 19,
        "Formal proposal": 25,
        "Closed won": 89,
        "Closed lost": 57,
    }
    assert count(workspace, opportunities, opportunities.c.pipeline != "inbound") == 0


def test_a_source_pipeline_may_not_take_the_name_of_a_workspace_pipeline(
    tmp_path: Path,
) -> None:
    from pipefit.io.errors import ImportRejected

    workspace = new_workspace(tmp_path / "ws")
    mapping = tmp_path / "clash.toml"
    mapping.write_text(
        '[source]\nname = "clash"\n'
        '[pipeline]\nname = "inbound"\n'
        'stages = [{ name = "Open" }, { name = "Won", category = "won" },'
        ' { name = "Lost", category = "lost" }]\n'
        '[files.deals]\nentity = "opportunities"\n'
        '[files.deals.columns]\nopportunity_id = "id"\nstage = "stage"\ncreated_at = "created"\n',
        "utf-8",
    )
    deals = tmp_path / "deals.csv"
    deals.write_text("id,stage,created\nD-1,Open,2026-01-05\n", "utf-8")
    with pytest.raises(ImportRejected, match=r"name of a pipeline in pipefit\.toml"):
        import_files(workspace, [deals], mapping=mapping)
