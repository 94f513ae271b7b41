"""Many people, one workspace: readers keep working while an import runs, and a second
import is refused at once, naming the first (it does not wait: an import can take
minutes, and the first one's rows may change what the second should say)."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipefit.config import Workspace
from pipefit.store.database import sqlite_path
from pipefit.store.locks import lock_file_of

from .native_files import write_native
from .paused_import import DEALS, EVENTS_PER_DEAL, PausedImport, pipefit, write_large
from .workspaces import import_files, table_counts

pytestmark = pytest.mark.slow


def _status(workspace: Workspace) -> dict[str, object]:
    result = pipefit(workspace, "status", "-f", "json")
    assert "Traceback" not in result.stderr
    assert result.returncode == 0, result.stderr
    status: dict[str, object] = json.loads(result.stdout)
    return status


@pytest.mark.parametrize("pause_at", ["stage_events", "before-commit"])
def test_status_during_an_import_succeeds_and_shows_the_last_committed_state(
    workspace: Workspace, tmp_path: Path, pause_at: str
) -> None:
    import_files(workspace, write_native(tmp_path / "small"))
    before = table_counts(workspace)
    with PausedImport(workspace, write_large(tmp_path / "large"), pause_at, tmp_path) as running:
        # The import holds the write lock and has written rows it has not committed.
        for _ in range(3):
            status = _status(workspace)
            assert status["opportunities"] == before["opportunities"]
            assert status["stage_events"] == before["stage_events"]
        assert table_counts(workspace) == before
        if workspace.database_url.startswith("sqlite"):
            # Still in WAL mode: a rollback journal would lock every reader out.
            with sqlite3.connect(sqlite_path(workspace.database_url), timeout=30) as check:
                assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert running.resume() == "done"
    status = _status(workspace)
    assert status["opportunities"] == before["opportunities"] + DEALS
    assert status["stage_events"] == before["stage_events"] + DEALS * EVENTS_PER_DEAL


def test_a_second_import_while_one_runs_is_refused_at_once_naming_the_first(
    workspace: Workspace, tmp_path: Path
) -> None:
    small = write_native(tmp_path / "small")
    with PausedImport(
        workspace, write_large(tmp_path / "large"), "before-commit", tmp_path
    ) as running:
        started = datetime.now(UTC)
        second = pipefit(workspace, "import", *small, timeout=60)
        waited = (datetime.now(UTC) - started).total_seconds()
        assert second.returncode == 1
        assert "Traceback" not in second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        assert lines[0].startswith(f"error: another import is running (pid {running.pid}")
        assert "started at 20" in lines[0]
        assert "nothing was written" in lines[0]
        # Refused, not made to wait for the database's write lock (30 s) and then fail.
        assert waited < 25
        assert table_counts(workspace)["opportunities"] == 0
        assert running.resume() == "done"
    # Once the first has finished, the same import goes in.
    again = pipefit(workspace, "import", *small)
    assert again.returncode == 0, again.stderr
    assert table_counts(workspace)["opportunities"] == DEALS + 2


def test_the_lock_of_an_import_killed_mid_way_is_taken_over(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    workspace = sqlite_workspace
    lock_file = lock_file_of(sqlite_path(workspace.database_url))
    with PausedImport(
        workspace, write_large(tmp_path / "large"), "before-commit", tmp_path
    ) as dead:
        holder = json.loads(lock_file.read_text())
        assert holder["pid"] == dead.pid
        dead.kill()
    assert dead.process.returncode == -signal.SIGKILL
    # The killed import left its lock file behind, naming a process that is gone.
    assert json.loads(lock_file.read_text())["pid"] == dead.pid
    result = import_files(workspace, write_native(tmp_path / "small"))
    assert result.report is not None
    assert table_counts(workspace)["opportunities"] == 2
    assert not lock_file.exists()


def test_a_lock_file_left_by_a_process_that_is_gone_does_not_stop_an_import(
    sqlite_workspace: Workspace, tmp_path: Path
) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    gone = int(finished.stdout)
    lock_file = lock_file_of(sqlite_path(sqlite_workspace.database_url))
    lock_file.write_text(
        json.dumps(
            {"pid": gone, "host": socket.gethostname(), "started_at": "2026-01-02T03:04:05+00:00"}
        )
    )
    result = pipefit(sqlite_workspace, "import", *write_native(tmp_path / "small"))
    assert result.returncode == 0, result.stderr
    assert table_counts(sqlite_workspace)["opportunities"] == 2
    assert not lock_file.exists()
