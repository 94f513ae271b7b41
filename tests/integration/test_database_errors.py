"""A database that is busy, unreachable or not a database gives one line and exit 1,
never a traceback; a connection waits for a lock before it gives up."""

from __future__ import annotations

import sqlite3
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from pipefit.cli import main
from pipefit.config import Workspace
from pipefit.store import database
from pipefit.store.bulk import adbc_connection
from pipefit.store.database import BUSY_TIMEOUT_MS, make_engine, sqlite_path

from .workspaces import table_counts


def _pipefit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    """Run the `pipefit` command in this process: (exit code, what it printed on stderr)."""
    monkeypatch.setattr(sys, "argv", ["pipefit", *args])
    with pytest.raises(SystemExit) as ended:
        main()
    code = ended.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().err


def _hold(path: str, how: str) -> sqlite3.Connection:
    """Another connection that holds the file: "write" (a writer's lock, readers still
    read) or "all" (an exclusive lock that keeps readers out too)."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    if how == "all":
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
    else:
        holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO teams (team_id, name, source) VALUES ('T-HOLD', 'x', 'test')")
    return holder


def test_every_engine_and_adbc_connection_waits_for_a_lock(sqlite_workspace: Workspace) -> None:
    url = sqlite_workspace.database_url
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            waits = connection.execute(text("PRAGMA busy_timeout")).scalar_one()
            mode = connection.execute(text("PRAGMA journal_mode")).scalar_one()
    finally:
        engine.dispose()
    assert (waits, mode) == (BUSY_TIMEOUT_MS, "wal")
    with adbc_connection(url) as conn:
        cursor = conn.cursor()
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchall() == [(BUSY_TIMEOUT_MS,)]
        cursor.close()


def test_a_reader_locked_out_longer_than_it_waits_gets_one_line(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 300)
    holder = _hold(sqlite_path(sqlite_workspace.database_url), "all")
    try:
        code, said = _pipefit(monkeypatch, capsys, "status", "-w", str(sqlite_workspace.root))
    finally:
        holder.close()
    assert code == 1
    assert "Traceback" not in said
    assert said.count("\n") == 1
    assert said.startswith("error: the database ")
    assert "is busy: another process (an import, a pay run) has held it for more than 0.3 s" in said


def test_a_writer_waits_for_another_writer_and_then_writes(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    holder = _hold(sqlite_path(sqlite_workspace.database_url), "write")
    release = threading.Timer(1.5, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        code, said = _pipefit(
            monkeypatch, capsys, "opportunity", "add", "ACME-1", "-w", str(sqlite_workspace.root)
        )
    finally:
        release.join()
        holder.close()
    assert (code, said) == (0, "")
    counts = table_counts(sqlite_workspace)
    assert (counts["opportunities"], counts["teams"]) == (1, 1)


def test_a_writer_that_waits_too_long_gets_one_line_and_writes_nothing(
    sqlite_workspace: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 300)
    holder = _hold(sqlite_path(sqlite_workspace.database_url), "write")
    try:
        code, said = _pipefit(
            monkeypatch, capsys, "opportunity", "add", "ACME-1", "-w", str(sqlite_workspace.root)
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1
    assert "Traceback" not in said
    assert said.count("\n") == 1
    assert said.startswith("error: the database ") and "is busy" in said
    assert "nothing was written" in said
    assert table_counts(sqlite_workspace)["opportunities"] == 0


def test_a_file_that_is_not_a_database_gives_one_line(
    sqlite_workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("call Dana about the renewal\n" * 10)
    code, said = _pipefit(
        monkeypatch,
        capsys,
        "status",
        "-w",
        str(sqlite_workspace.root),
        "--db",
        f"sqlite:///{notes}",
    )
    assert code == 1
    assert said == (
        f"error: {notes} is not a SQLite database (the file holds something else): point to "
        "a pipefit database, or to a new file name to start one (--db)\n"
    )
    assert notes.read_text() == "call Dana about the renewal\n" * 10
