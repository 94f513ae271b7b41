"""Values the importer cannot keep exactly are refused on the command line with a reason per
value and a non-zero exit, never a traceback."""

from __future__ import annotations

from pathlib import Path

from .cli import run, run_json


def test_numbers_too_large_and_malformed_are_refused_without_a_traceback(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "opportunities.csv").write_text(
        "opportunity_id,stage,amount,created_at\n"
        "HUGE-1,Discovery,99999999999999999999,2026-01-05\n"
        'GROUPS-1,Discovery,"1,2,3",2026-01-05\n'
        "NEG-1,Closed won,-1000000,2026-01-05\n",
        "utf-8",
    )
    (folder / "accounts.csv").write_text(
        "account_id,name,employees\nA-HUGE,Huge Corp,99999999999999999999\n", "utf-8"
    )
    result = run(
        "import", folder / "opportunities.csv", folder / "accounts.csv", "-w", ws, check=False
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert any("row 2, column 'amount': is too large" in line for line in lines)
    assert any("column 'employees': is too large" in line for line in lines)
    assert any("(value '1,2,3')" in line for line in lines)
    assert any("row 4, column 'amount': is below zero" in line for line in lines)
    assert lines[-1].startswith("error: import refused, nothing written")
    assert run_json("status", "-w", ws, "-f", "json")["opportunities"] == 0


def test_a_report_with_two_digit_years_and_am_pm_times_imports_from_the_command_line(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    path = tmp_path / "opportunities.csv"
    path.write_text(
        "opportunity_id,stage,amount,created_at\n"
        'SF-1,Discovery,"1.234,50",02/23/26 08:55 PM\n'
        'SF-2,Discovery,"12,50",02/24/26\n',
        "utf-8",
    )
    result = run("import", path, "-w", ws)
    assert "dates read as MM/DD/YY, with a time as hh:mm AM/PM" in result.stdout
    assert run_json("status", "-w", ws, "-f", "json")["opportunities"] == 2


def test_numbers_that_read_two_ways_land_once_their_separators_are_declared(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    path = tmp_path / "opportunities.csv"
    # "1,234" alone is 1234 with a thousands comma or 1.234 with a decimal comma.
    path.write_text(
        'opportunity_id,stage,amount,created_at\nEU-1,Discovery,"1,234",2026-01-05\n'
        'EU-2,Discovery,"2.000",2026-01-06\n',
        "utf-8",
    )
    refused = run("import", path, "-w", ws, check=False)
    assert refused.returncode == 1
    assert "(value '1,234')" in refused.stderr
    assert "--decimal" in refused.stderr or "decimal" in refused.stderr

    run("import", path, "-w", ws, "--decimal", ",", "--thousands", ".")

    deals = {d["id"]: d for d in run_json("opportunity", "list", "-w", ws, "-f", "json")}
    assert float(deals["EU-1"]["amount"]) == 1.234
    assert float(deals["EU-2"]["amount"]) == 2000


def test_an_undeclarable_separator_is_refused_naming_the_option(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    path = tmp_path / "opportunities.csv"
    path.write_text("opportunity_id,stage,amount,created_at\nX-1,Discovery,1,2026-01-05\n", "utf-8")

    result = run("import", path, "-w", ws, "--decimal", ";", check=False)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "(--decimal)" in result.stderr
