"""--workspace and --db work before the command name as well as after it."""

from __future__ import annotations

from pathlib import Path

from ..integration.native_files import write_native
from .cli import run, run_json


def _two_workspaces(tmp_path: Path) -> tuple[Path, Path]:
    """`acme` holds the two sample deals; `empty` holds none."""
    acme, empty = tmp_path / "acme", tmp_path / "empty"
    run("init", acme)
    run("init", empty)
    run("import", *write_native(tmp_path / "in"), "-w", acme)
    return acme, empty


def test_the_workspace_may_come_before_the_command_or_after_it(tmp_path: Path) -> None:
    acme, _ = _two_workspaces(tmp_path)
    before = run_json("-w", acme, "status", "-f", "json")
    after = run_json("status", "-w", acme, "-f", "json")
    assert before["opportunities"] == after["opportunities"] == 2
    history = run_json("--workspace", acme, "pipeline", "history", "ACME-RENEWAL-Q3", "-f", "json")
    assert [e["to"] for e in history["events"]] == ["Discovery", "Evaluation", "Closed won"]


def test_the_workspace_given_on_the_command_wins_over_the_one_before_it(tmp_path: Path) -> None:
    acme, empty = _two_workspaces(tmp_path)
    assert run_json("-w", empty, "status", "-w", acme, "-f", "json")["opportunities"] == 2
    assert run_json("-w", acme, "status", "-w", empty, "-f", "json")["opportunities"] == 0


def test_a_workspace_before_the_command_beats_the_environment_variable(tmp_path: Path) -> None:
    acme, empty = _two_workspaces(tmp_path)
    env = {"PIPEFIT_WORKSPACE": str(empty)}
    assert run_json("-w", acme, "status", "-f", "json", env=env)["opportunities"] == 2
    assert run_json("status", "-f", "json", env=env)["opportunities"] == 0


def test_the_database_may_come_before_the_command_or_after_it(
    tmp_path: Path, fresh_postgres_url: str
) -> None:
    ws = tmp_path / "acme"
    run("--db", fresh_postgres_url, "init", ws)
    run("--db", fresh_postgres_url, "-w", ws, "import", *write_native(tmp_path / "in"))
    before = run_json("--db", fresh_postgres_url, "status", "-w", ws, "-f", "json")
    after = run_json("status", "-w", ws, "--db", fresh_postgres_url, "-f", "json")
    assert before["opportunities"] == after["opportunities"] == 2
    assert not (ws / "pipefit.db").exists()


def test_an_init_whose_database_cannot_be_prepared_leaves_no_workspace_behind(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "acme"

    result = run("init", ws, "--db", "not-a-url", check=False)

    assert result.returncode == 1
    assert "is not a database URL" in result.stderr
    assert not ws.exists()
    assert run("init", ws).returncode == 0
