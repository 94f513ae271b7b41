"""Importing a newer export from the command line: the changes are recorded at the time
the export was taken (--snapshot-at) and show in the deal's history."""

from __future__ import annotations

from pathlib import Path

from ..integration.native_files import FILES, write_native
from .cli import run, run_json


def test_a_newer_export_records_the_move_at_the_declared_time_and_history_shows_it(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    run("import", *write_native(tmp_path / "week-1"), "-w", ws)
    moved = FILES["opportunities.csv"].replace(
        "inbound,formal proposal,negotiation,3600.25", "inbound,Evaluation,,4100"
    )
    week_2 = write_native(tmp_path / "week-2", **{"opportunities.csv": moved})
    report = run_json(
        "import", *week_2, "-w", ws, "--snapshot-at", "2026-03-28 09:00:00", "--report", "json"
    )
    assert any(
        "recorded at 2026-03-28 09:00 (declared" in n
        and "1 stage move (source snapshot), 1 amount change" in n
        for n in report["notes"]
    )
    history = run_json("pipeline", "history", "TAILSPIN-STARTER", "-w", ws, "-f", "json")
    last = history["events"][-1]
    assert (last["from"], last["to"]) == ("Formal proposal", "Evaluation")
    assert last["at"].startswith("2026-03-28T09:00")


def test_an_export_time_in_the_future_is_one_line_naming_the_option(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    result = run(
        "import",
        *write_native(tmp_path / "in"),
        "-w",
        ws,
        "--snapshot-at",
        "2099-01-01",
        check=False,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "error: the export's time 2099-01-01 00:00 UTC is in the future (--snapshot-at)"
    ]
