"""Exports as they come from Windows and from Salesforce's Data Export: cp1252, UTF-16, and
files whose bytes do not match the declared encoding."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from pipefit.config import Workspace
from pipefit.domain.errors import PipefitError
from pipefit.io.errors import ImportRejected
from pipefit.store.tables import opportunities, stage_events

from .native_files import FILES
from .workspaces import count, import_files, new_workspace, query

# A Spanish org's weekly Data Export, as Salesforce writes it in its "ISO-8859-1 /
# Windows-1252" export encoding: every value quoted, CRLF line ends, API column names,
# ISO dates. StageName is column #4 counted from 0, the column pyarrow used to name. The
# second row's Description spans two lines. Data invented.
OPPORTUNITY = """\
"Id","IsDeleted","AccountId","Name","StageName","Amount","Probability","CloseDate","Type",\
"NextStep","LeadSource","IsClosed","IsWon","ForecastCategory","CurrencyIsoCode","OwnerId",\
"CreatedDate","CreatedById","LastModifiedDate","SystemModstamp","Description"
"0065g00000QkT1aAAF","false","0015g00000Lm2xQAAR","Hotel Costa Brava - renovacion",\
"Diseño Propuesta","48000","40","2024-06-28","New Business","Visita técnica","Web","false",\
"false","Pipeline","EUR","0055g00000B7yHhAAJ","2024-02-05T09:14:22.000Z","0055g00000B7yHhAAJ",\
"2024-03-01T11:02:10.000Z","2024-03-01T11:02:10.000Z","Pide “presupuesto cerrado”: 48.000 €"
"0065g00000QkT1bAAF","false","0015g00000Lm2xRAAR","Bodegas Rioja Alta - ampliacion",\
"Presentación Propuesta","125000","60","2024-07-15","New Business","","Partner","false",\
"false","Pipeline","EUR","0055g00000B7yHiAAJ","2024-01-22T14:03:00.000Z","0055g00000B7yHiAAJ",\
"2024-03-11T13:00:00.000Z","2024-03-11T13:00:00.000Z","Reunión con dirección.
Segunda línea: próximos pasos"
"0065g00000QkT1cAAF","false","0015g00000Lm2xSAAR","Clinica Dental Sonrisa","Negociación",\
"9600","80","2024-05-31","Existing Business","Enviar contrato","Web","false","false",\
"Commit","EUR","0055g00000B7yHhAAJ","2024-02-19T08:30:00.000Z","0055g00000B7yHhAAJ",\
"2024-03-20T10:15:00.000Z","2024-03-20T10:15:00.000Z",""
"0065g00000QkT1dAAF","false","0015g00000Lm2xTAAR","Ayuntamiento de Soria - licencias",\
"Closed Won","30000","100","2024-03-28","New Business","","Web","true","true","Closed","EUR",\
"0055g00000B7yHiAAJ","2024-01-08T09:12:00.000Z","0055g00000B7yHiAAJ",\
"2024-03-28T16:40:00.000Z","2024-03-28T16:40:00.000Z","Adjudicación pública"
"""

HISTORY = """\
"Id","OpportunityId","CreatedById","CreatedDate","StageName","Amount","ExpectedRevenue",\
"CloseDate","Probability","ForecastCategory","SystemModstamp","IsDeleted"
"0085g00000Ab1aAAAR","0065g00000QkT1aAAF","0055g00000B7yHhAAJ","2024-02-05T09:14:22.000Z",\
"Prospección","48000","4800","2024-06-28","10","Pipeline","2024-02-05T09:14:22.000Z","false"
"0085g00000Ab1bAAAR","0065g00000QkT1aAAF","0055g00000B7yHhAAJ","2024-03-01T11:02:10.000Z",\
"Diseño Propuesta","48000","19200","2024-06-28","40","Pipeline","2024-03-01T11:02:10.000Z",\
"false"
"0085g00000Ab1cAAAR","0065g00000QkT1bAAF","0055g00000B7yHiAAJ","2024-01-22T14:03:00.000Z",\
"Prospección","125000","12500","2024-07-15","10","Pipeline","2024-01-22T14:03:00.000Z","false"
"0085g00000Ab1dAAAR","0065g00000QkT1bAAF","0055g00000B7yHiAAJ","2024-03-11T13:00:00.000Z",\
"Presentación Propuesta","125000","75000","2024-07-15","60","Pipeline",\
"2024-03-11T13:00:00.000Z","false"
"0085g00000Ab1eAAAR","0065g00000QkT1cAAF","0055g00000B7yHhAAJ","2024-02-19T08:30:00.000Z",\
"Negociación","9600","7680","2024-05-31","80","Commit","2024-02-19T08:30:00.000Z","false"
"0085g00000Ab1fAAAR","0065g00000QkT1dAAF","0055g00000B7yHiAAJ","2024-01-08T09:12:00.000Z",\
"Prospección","30000","3000","2024-03-28","10","Pipeline","2024-01-08T09:12:00.000Z","false"
"0085g00000Ab1gAAAR","0065g00000QkT1dAAF","0055g00000B7yHiAAJ","2024-03-28T16:40:00.000Z",\
"Closed Won","30000","30000","2024-03-28","100","Closed","2024-03-28T16:40:00.000Z","false"
"""


def windows_file(path: Path, text: str, encoding: str = "cp1252") -> Path:
    """The text with CRLF line ends (also inside quoted values), in a Windows encoding."""
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def data_export(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        windows_file(folder / "Opportunity.csv", OPPORTUNITY),
        windows_file(folder / "OpportunityHistory.csv", HISTORY),
    ]


def test_a_cp1252_salesforce_data_export_lands_with_its_accented_stage_names_and_a_note(
    workspace: Workspace, tmp_path: Path
) -> None:
    files = data_export(tmp_path / "export")
    assert b"Dise\xf1o Propuesta" in files[0].read_bytes()  # cp1252, not UTF-8

    result = import_files(workspace, files, fmt="salesforce")

    stages = dict(query(workspace, select(opportunities.c.opportunity_id, opportunities.c.stage)))
    assert stages == {
        "0065g00000QkT1aAAF": "Diseño Propuesta",
        "0065g00000QkT1bAAF": "Presentación Propuesta",
        "0065g00000QkT1cAAF": "Negociación",
        "0065g00000QkT1dAAF": "Closed Won",
    }
    entered = {row[0] for row in query(workspace, select(stage_events.c.to_stage))}
    assert {"Prospección", "Diseño Propuesta", "Negociación"} <= entered
    assert count(workspace, stage_events) == 7
    for name in ("Opportunity.csv", "OpportunityHistory.csv"):
        assert f"{name}: not UTF-8; read as cp1252 (Windows-1252)" in result.notes


def test_the_export_under_a_declared_utf_8_is_refused_naming_every_cell_of_both_files(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    opportunity, history = data_export(tmp_path / "export")

    with pytest.raises(ImportRejected) as refused:
        import_files(sqlite_workspace, [opportunity, history], fmt="salesforce", encoding="utf-8")

    found = {(e.file, e.row, e.column) for e in refused.value.errors}
    assert {
        (str(opportunity), 2, "StageName"),
        (str(opportunity), 2, "NextStep"),
        (str(opportunity), 2, "Description"),
        (str(opportunity), 3, "StageName"),
        (str(opportunity), 3, "Description"),  # the value spans lines 3 and 4
        (str(opportunity), 5, "StageName"),  # so this row starts on line 5
        (str(history), 2, "StageName"),
        (str(history), 4, "StageName"),
        (str(history), 6, "StageName"),
    } <= found
    first = refused.value.errors[0]
    assert first.value == "Dise\ufffdo Propuesta"
    assert "holds the byte b'\\xf1', which UTF-8 cannot read" in first.message
    assert str(first).startswith(f"{opportunity}, row 2, column 'StageName': holds the byte")
    assert count(sqlite_workspace, opportunities) == 0


def test_a_byte_cp1252_does_not_define_is_refused_under_a_declared_cp1252(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    opportunity, history = data_export(tmp_path / "export")
    history.write_bytes(history.read_bytes().replace(b"Negociaci\xf3n", b"Negociaci\x81n"))

    with pytest.raises(ImportRejected) as refused:
        import_files(sqlite_workspace, [opportunity, history], fmt="salesforce", encoding="cp1252")

    [problem] = refused.value.errors
    assert (problem.file, problem.row, problem.column) == (str(history), 6, "StageName")
    assert problem.message == "holds the byte b'\\x81', which cp1252 (Windows-1252) cannot read"


def test_rows_after_a_value_over_two_lines_are_named_by_the_line_they_start_on(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    broken = OPPORTUNITY.replace('"9600","80"', '"9.600 EUR","80"')
    opportunity = windows_file(folder / "Opportunity.csv", broken)

    with pytest.raises(ImportRejected) as refused:
        import_files(sqlite_workspace, [opportunity], fmt="salesforce")

    [problem] = refused.value.errors
    assert (problem.row, problem.column, problem.value) == (5, "Amount", "9.600 EUR")


def test_a_utf_16_file_with_a_byte_order_mark_is_imported(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    # The records the deals name are stored first.
    named = []
    for name in ("teams.csv", "people.csv", "accounts.csv"):
        named.append(tmp_path / name)
        named[-1].write_text(FILES[name], "utf-8")
    import_files(sqlite_workspace, named)
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / encoding / "opportunities.csv"
        path.parent.mkdir()
        mark = "\ufeff" + FILES["opportunities.csv"].replace("Tailspin starter", "Tailspin añadido")
        path.write_bytes(mark.encode(encoding))

        result = import_files(sqlite_workspace, [path])

        assert result.counts["opportunities"] == 2
        assert not [n for n in result.notes if "UTF" in n or "cp1252" in n]  # not a guess
    [name] = query(
        sqlite_workspace,
        select(opportunities.c.name).where(opportunities.c.opportunity_id == "TAILSPIN-STARTER"),
    )
    assert name[0] == "Tailspin añadido"


def test_an_unknown_encoding_is_refused_with_field_encoding(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    files = data_export(tmp_path / "export")

    with pytest.raises(PipefitError, match="unknown encoding 'klingon'") as refused:
        import_files(sqlite_workspace, files, fmt="salesforce", encoding="klingon")

    assert refused.value.field == "encoding"
    assert count(sqlite_workspace, opportunities) == 0


def test_a_mapping_declares_the_encoding_of_its_files(tmp_path: Path) -> None:
    mapping = tmp_path / "crm.toml"
    mapping.write_text(
        '[source]\nname = "crm"\nencoding = "cp1252"\n\n'
        '[pipeline]\nname = "crm"\nstages = ["Diseño Propuesta", "Negociación", '
        '{ name = "Ganada", category = "won" }]\n\n'
        '[files.deals]\nentity = "opportunities"\n'
        'columns = { opportunity_id = "Id", stage = "Etapa", created_at = "Creada" }\n',
        "utf-8",
    )
    deals = windows_file(
        tmp_path / "deals.csv",
        "Id,Etapa,Creada\nD-1,Diseño Propuesta,2024-02-05\nD-2,Negociación,2024-02-19\n",
    )
    workspace = new_workspace(tmp_path / "ws")

    result = import_files(workspace, [deals], mapping=mapping)

    assert result.notes == []  # declared, so nothing was guessed
    assert sorted(r[0] for r in query(workspace, select(opportunities.c.stage))) == [
        "Diseño Propuesta",
        "Negociación",
    ]
