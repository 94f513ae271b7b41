"""Every problem of an import is reported, none capped, each on the line its row starts on
(the header is line 1), whichever reader read the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipefit.config import Workspace
from pipefit.io.errors import ImportRejected, RowError

from .workspaces import import_files

# Each layout: a file whose first row has a value over three lines (lines 2 to 4), so the
# second row starts on line 5 and holds an amount that is not a number.
LAYOUTS = {
    "native": (
        "opportunities.csv",
        "opportunity_id,name,stage,amount,created_at\n"
        'D1,"Alpha\nrenewal\n(three lines)",Discovery,100,2026-01-05\n'
        "D2,Beta,Discovery,12k,2026-01-06\n",
        "amount",
    ),
    "salesforce": (
        "Opportunity.csv",
        "Id,Name,StageName,Amount,CreatedDate\n"
        '006A,"Alpha\nrenewal\n(three lines)",Prospecting,100,2026-01-05\n'
        "006B,Beta,Prospecting,12k,2026-01-06\n",
        "Amount",
    ),
    "hubspot": (
        "deals-export.csv",
        "Record ID,Deal Name,Deal Stage,Amount,Create Date\n"
        '9001,"Alpha\nrenewal\n(three lines)",Discovery,100,2026-01-05\n'
        "9002,Beta,Discovery,12k,2026-01-06\n",
        "Amount",
    ),
    "maven": (
        "sales_pipeline.csv",
        "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
        'M1,Moses Frase,GTX Basic,"Alpha\nrenewal\n(three lines)",Engaging,2016-10-20,,\n'
        "M2,Moses Frase,GTX Basic,Beta,Won,2016-10-25,2017-03-11,12k\n",
        "close_value",
    ),
    "mapping": (
        "deals.csv",
        "id,title,status,value,created\n"
        'P1,"Alpha\nrenewal\n(three lines)",Discovery,100,2026-01-05\n'
        "P2,Beta,Discovery,12k,2026-01-06\n",
        "value",
    ),
}
MAPPING = """\
[source]
name = "crm"
pipeline = "inbound"

[files.deals]
entity = "opportunities"
columns = { opportunity_id = "id", name = "title", stage = "status", amount = "value", \
created_at = "created" }
"""


def _import(workspace: Workspace, folder: Path, layout: str, text: str, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, "utf-8")
    if layout == "mapping":
        mapping = folder / "crm.toml"
        mapping.write_text(MAPPING, "utf-8")
        import_files(workspace, [path], mapping=mapping)
    else:
        import_files(workspace, [path], fmt=layout)


def _refused(workspace: Workspace, paths: list[Path], **options: object) -> list[RowError]:
    with pytest.raises(ImportRejected) as refused:
        import_files(workspace, paths, **options)
    return refused.value.errors


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_reader_names_a_row_after_a_value_over_three_lines_by_its_first_line(
    sqlite_workspace: Workspace, tmp_path: Path, layout: str
) -> None:
    name, text, column = LAYOUTS[layout]

    with pytest.raises(ImportRejected) as refused:
        _import(sqlite_workspace, tmp_path / layout, layout, text, name)

    found = [(e.row, e.value) for e in refused.value.errors if e.column == column]
    assert found == [(5, "12k")]


def test_problems_found_after_reading_name_the_line_the_row_starts_on(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "opportunities.csv"
    path.write_text(
        "opportunity_id,name,stage,created_at\n"
        'D1,"Alpha\n\nrenewal",Discovery,2026-01-05\n'
        "\n"
        "D2,Beta,Discovry,2026-01-06\n"
        "D1,Gamma,Discovery,2026-01-07\n",
        "utf-8",
    )

    errors = _refused(sqlite_workspace, [path])

    assert sorted((e.row, e.column, e.value) for e in errors) == [
        (6, "stage", "Discovry"),  # line 5 is blank
        (7, "opportunity_id", "D1"),  # appears twice
    ]


def test_two_bad_files_are_reported_together(sqlite_workspace: Workspace, tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("person_id,name,role\nP-1,Dana,sales_rep,extra\n", "utf-8")
    accounts = tmp_path / "accounts.csv"
    accounts.write_bytes("account_id,name\nA-1,Compañía\n".encode("cp1252"))

    errors = _refused(sqlite_workspace, [people, accounts], encoding="utf-8")

    assert [(e.file, e.row, e.column) for e in errors] == [
        (str(people), 2, None),
        (str(accounts), 2, "name"),
    ]
    assert errors[0].message == "has 4 values; the header has 3 columns"
    assert "holds the bytes b'\\xf1\\xed', which UTF-8 cannot read" in errors[1].message


def test_every_duplicated_id_is_reported_not_the_first_fifty(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "opportunities.csv"
    rows = [f"D{i % 60},Deal {i},Discovery,2026-01-05" for i in range(120)]
    path.write_text("opportunity_id,name,stage,created_at\n" + "\n".join(rows) + "\n", "utf-8")

    errors = _refused(sqlite_workspace, [path])

    assert len(errors) == 60
    assert {e.value for e in errors} == {f"D{i}" for i in range(60)}
    assert sorted(e.row for e in errors) == list(range(62, 122))  # each at its second row


def test_every_row_with_an_unknown_stage_is_reported_on_its_own(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "opportunities.csv"
    rows = [f"D{i},Deal {i},Discovry,2026-01-05" for i in range(25)]
    path.write_text("opportunity_id,name,stage,created_at\n" + "\n".join(rows) + "\n", "utf-8")

    errors = _refused(sqlite_workspace, [path])

    assert [(e.row, e.column, e.value) for e in errors] == [
        (line, "stage", "Discovry") for line in range(2, 27)
    ]


def test_every_stage_event_of_an_unknown_deal_is_reported(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "stage_events.csv"
    rows = [f"GHOST-{i},1,Discovery,2026-01-05" for i in range(250)]
    path.write_text("opportunity_id,seq,to_stage,at\n" + "\n".join(rows) + "\n", "utf-8")

    errors = _refused(sqlite_workspace, [path])

    assert len(errors) == 250
    assert {e.row for e in errors} == set(range(2, 252))


def test_every_deal_naming_an_unknown_sales_agent_is_reported(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    teams = tmp_path / "sales_teams.csv"
    teams.write_text(
        "sales_agent,manager,regional_office\nMoses Frase,Dustin Brinkmann,Central\n", "utf-8"
    )
    pipeline = tmp_path / "sales_pipeline.csv"
    rows = [f"M{i},Ghost Agent,GTX Basic,,Engaging,2016-10-20,," for i in range(210)]
    pipeline.write_text(
        "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,"
        "close_value\n" + "\n".join(rows) + "\n",
        "utf-8",
    )

    errors = _refused(sqlite_workspace, [teams, pipeline], fmt="maven")

    unknown = [e for e in errors if e.column == "sales_agent"]
    assert len(unknown) == 210
    assert unknown[-1].row == 211
