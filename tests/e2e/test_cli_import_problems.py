"""`pipefit import` shows the first 200 problems and how many more; --errors-csv keeps
every one; files in other encodings are read and said so."""

from __future__ import annotations

import csv
from pathlib import Path

from ..integration.test_import_encodings import data_export
from .cli import run, run_json


def test_500_bad_rows_all_go_to_the_errors_csv_and_the_screen_shows_200_and_300_more(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    deals = tmp_path / "opportunities.csv"
    rows = "".join(f"D-{i},Deal {i},Discovery,{i}k,2026-01-05\n" for i in range(500))
    deals.write_text("opportunity_id,name,stage,amount,created_at\n" + rows, "utf-8")
    report = tmp_path / "problems.csv"

    result = run("import", deals, "--errors-csv", report, "-w", ws, check=False)

    assert result.returncode == 1
    with report.open(newline="", encoding="utf-8") as handle:
        problems = list(csv.DictReader(handle))
    assert len(problems) == 500
    assert [(p["row"], p["column"], p["value"]) for p in problems[:2]] == [
        ("2", "amount", "0k"),
        ("3", "amount", "1k"),
    ]
    assert problems[-1]["row"] == "501"
    lines = result.stderr.splitlines()
    shown = [line for line in lines if line.startswith("  ") and "opportunities.csv, row " in line]
    assert len(shown) == 200
    assert shown[0].strip().endswith("row 2, column 'amount': is not a number (value '0k')")
    assert "  ... and 300 more" in result.stderr
    assert f"all 500 problems written to {report}" in result.stderr
    assert run_json("status", "-w", ws, "-f", "json")["opportunities"] == 0


def test_a_cp1252_salesforce_export_imports_from_the_command_line_with_a_note(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    files = data_export(tmp_path / "export")

    result = run("import", *files, "--format", "salesforce", "-w", ws)

    assert "note: Opportunity.csv: not UTF-8; read as cp1252 (Windows-1252)" in result.stdout
    status = run_json("status", "-w", ws, "-f", "json")
    assert status["by_stage"]["Diseño Propuesta"] == 1


def test_a_declared_encoding_that_does_not_fit_names_every_bad_cell_of_every_file(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    opportunity, history = data_export(tmp_path / "export")

    result = run(
        "import",
        opportunity,
        history,
        "--format",
        "salesforce",
        "--encoding",
        "utf-8",
        "-w",
        ws,
        check=False,
    )

    assert result.returncode == 1
    assert (
        f"{opportunity}, row 2, column 'StageName': holds the byte b'\\xf1', which UTF-8 "
        "cannot read" in result.stderr
    )
    assert f"{history}, row 6, column 'StageName': holds the byte b'\\xf3'" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_encoding_is_refused_naming_the_option(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    files = data_export(tmp_path / "export")

    result = run("import", *files, "--encoding", "klingon", "-w", ws, check=False)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: unknown encoding 'klingon'; use a name such as utf-8, cp1252, latin-1 or "
        "utf-16 (--encoding)"
    ]
