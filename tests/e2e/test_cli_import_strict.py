"""`pipefit import` notes what looks wrong after the import, and `--strict` refuses it."""

from __future__ import annotations

from pathlib import Path

from .cli import run, run_json

OPPORTUNITIES = (
    "opportunity_id,stage,amount,created_at,closed_at\n"
    "ACME-RENEWAL-Q3,Closed won,48000,2026-01-08,2026-02-01\n"
)
STAGE_EVENTS = (
    "opportunity_id,seq,to_stage,at\n"
    "ACME-RENEWAL-Q3,1,Discovery,2026-01-08\n"
    "ACME-RENEWAL-Q3,2,Closed won,2026-03-05\n"
)


def _files(folder: Path) -> list[Path]:
    folder.mkdir()
    (folder / "opportunities.csv").write_text(OPPORTUNITIES, "utf-8")
    (folder / "stage_events.csv").write_text(STAGE_EVENTS, "utf-8")
    return [folder / "opportunities.csv", folder / "stage_events.csv"]


def test_strict_refuses_what_an_import_would_only_note_and_writes_nothing(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    files = _files(tmp_path / "in")
    refused = run("import", *files, "--strict", "-w", ws, check=False)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "1 opportunity has a close date before their last stage event" in refused.stderr
    assert "a strict import refuses what it would otherwise only note" in refused.stderr
    assert run_json("status", "-w", ws, "-f", "json")["opportunities"] == 0

    noted = run("import", *files, "-w", ws)
    said = " ".join(noted.stdout.split())  # the terminal wraps long lines
    assert (
        "column 'closed_at': 1 opportunity has a close date before their last stage event; "
        "the close is at the last event, so no time in a stage is negative "
        "(e.g. ACME-RENEWAL-Q3)"
    ) in said
    assert run_json("status", "-w", ws, "-f", "json")["opportunities"] == 1
