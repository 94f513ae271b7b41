from __future__ import annotations

from pathlib import Path

from ..integration.native_files import write_native
from .cli import run, run_json


def test_init_creates_the_configuration_and_an_empty_database(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    assert (ws / "pipefit.toml").exists()
    assert (ws / "pipefit.db").exists()
    status = run_json("status", "--workspace", ws, "--format", "json")
    assert status["opportunities"] == 0
    assert status["by_stage"] == {}


def test_the_workspace_can_come_from_the_environment(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    status = run_json("status", "--format", "json", env={"PIPEFIT_WORKSPACE": str(ws)})
    assert status["stage_events"] == 0


def test_a_command_outside_a_workspace_fails_with_a_one_line_reason(tmp_path: Path) -> None:
    result = run("status", "--workspace", tmp_path, check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: no pipefit.toml in")


def test_import_status_and_history_work_from_the_command_line(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    files = write_native(tmp_path / "in")
    run("import", *files, "--format", "native", "--workspace", ws)
    status = run_json("status", "-w", ws, "-f", "json")
    assert status["opportunities"] == 2
    assert status["stage_events"] == 6
    assert status["people"] == 3
    assert status["by_stage"] == {"Formal proposal": 1, "Closed won": 1}
    history = run_json("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws, "-f", "json")
    assert [e["to"] for e in history["events"]] == ["Discovery", "Evaluation", "Closed won"]
    assert history["events"][0]["time_in_state_seconds"] == 12 * 86400 + 48 * 60
    csv_text = run("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws, "-f", "csv").stdout
    assert csv_text.splitlines()[0].startswith("seq,at,from,to,sub-state")


def test_a_refused_move_names_the_missing_evidence_and_a_recorded_one_passes(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    run(
        "opportunity", "add", "ACME-RENEWAL-Q3", "--amount", "48000", "--at", "2026-02-20", "-w", ws
    )
    run("activity", "add", "ACME-RENEWAL-Q3", "next_steps_agreed", "--at", "2026-03-01", "-w", ws)
    run(
        "activity",
        "add",
        "ACME-RENEWAL-Q3",
        "meeting_booked",
        "--purpose",
        "evaluation",
        "--at",
        "2026-03-02",
        "-w",
        ws,
    )
    refused = run(
        "pipeline",
        "advance",
        "ACME-RENEWAL-Q3",
        "Evaluation",
        "--at",
        "2026-03-05",
        "-w",
        ws,
        check=False,
    )
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: Evaluation needs an evaluation meeting booked and accepted by the prospect; "
        "found: booked 2026-03-02, not accepted by the prospect"
    )
    run(
        "activity",
        "add",
        "ACME-RENEWAL-Q3",
        "meeting_accepted",
        "--purpose",
        "evaluation",
        "--by",
        "prospect",
        "--at",
        "2026-03-03",
        "-w",
        ws,
    )
    moved = run(
        "pipeline", "advance", "ACME-RENEWAL-Q3", "Evaluation", "--at", "2026-03-05", "-w", ws
    )
    assert "Discovery -> Evaluation (forward)" in moved.stdout
    lost = run("pipeline", "advance", "ACME-RENEWAL-Q3", "Closed lost", "-w", ws, check=False)
    assert "needs a reason" in lost.stderr
    run(
        "pipeline",
        "advance",
        "ACME-RENEWAL-Q3",
        "Closed lost",
        "--reason",
        "no budget",
        "--at",
        "2026-03-09",
        "-w",
        ws,
    )
    run(
        "pipeline",
        "advance",
        "ACME-RENEWAL-Q3",
        "Discovery",
        "--reason",
        "budget found",
        "--at",
        "2026-04-01",
        "-w",
        ws,
    )
    history = run_json("pipeline", "history", "ACME-RENEWAL-Q3", "-w", ws, "-f", "json")
    assert [(e["from"], e["to"], e["reason"]) for e in history["events"]] == [
        (None, "Discovery", None),
        ("Discovery", "Evaluation", None),
        ("Evaluation", "Closed lost", "no budget"),
        ("Closed lost", "Discovery", "budget found"),
    ]


def test_an_import_with_bad_rows_lists_each_and_exits_non_zero(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    files = write_native(
        tmp_path / "in",
        **{"accounts.csv": "account_id,name,employees\nA-1,Acme,many\nA-2,Beta,-\n"},
    )
    result = run("import", *files, "-w", ws, check=False)
    assert result.returncode == 1
    assert "accounts.csv, row 2, column 'employees': is not a whole number (value 'many')" in (
        result.stderr
    )
    assert "row 3, column 'employees'" in result.stderr
    assert (
        result.stderr.strip().splitlines()[-1].startswith("error: import refused, nothing written")
    )
    assert run_json("status", "-w", ws, "-f", "json")["opportunities"] == 0


def test_a_dry_run_reports_counts_as_json_and_writes_nothing(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    report = run_json(
        "import", *write_native(tmp_path / "in"), "--dry-run", "--report", "json", "-w", ws
    )
    assert report["dry_run"] is True
    assert {t["records"]: t["rows"] for t in report["tables"]}["opportunities"] == 2
    assert run_json("status", "-w", ws, "-f", "json")["opportunities"] == 0


def test_pipeline_show_lists_triggers_and_sub_states_as_csv(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    text = run("pipeline", "show", "-w", ws, "-f", "csv").stdout
    assert 'Formal proposal,open,proposal sent,,"delivery, review, negotiation, signature"' in text


def test_a_refused_import_can_write_every_problem_to_a_csv_file(tmp_path: Path) -> None:
    ws = tmp_path / "acme"
    run("init", ws)
    # The two accounts the sample deals name, then 250 bad rows.
    bad = "account_id,name,employees\nA-NORTHWIND,Northwind,2500\nA-TAILSPIN,Tailspin,180\n"
    bad += "".join(f"A-{i},Acme {i},lots\n" for i in range(250))
    files = write_native(tmp_path / "in", **{"accounts.csv": bad})
    report = tmp_path / "problems.csv"
    result = run("import", *files, "--errors-csv", report, "-w", ws, check=False)
    assert result.returncode == 1
    assert "and 50 more" in result.stderr
    lines = report.read_text("utf-8").splitlines()
    assert lines[0] == "file,row,column,value,problem"
    assert len(lines) == 251


def test_the_workspace_can_live_in_postgresql(tmp_path: Path, fresh_postgres_url: str) -> None:
    ws = tmp_path / "acme"
    run("init", ws, "--db", fresh_postgres_url)
    files = write_native(tmp_path / "in")
    env = {"PIPEFIT_DATABASE_URL": fresh_postgres_url}
    run("import", *files, "-w", ws, env=env)
    status = run_json("status", "-w", ws, "-f", "json", env=env)
    assert status["opportunities"] == 2
    assert status["by_stage"] == {"Formal proposal": 1, "Closed won": 1}
    assert not (ws / "pipefit.db").exists()
