"""--db naming a database pipefit cannot use gives one line (what is wrong, what to do)
and exit 1, never a traceback: an unreachable server, a file that is not a database, a
kind of database pipefit does not store data in."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from .cli import run


def _closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _one_line_error(tmp_path: Path, db: str, *command: str) -> str:
    run("init", tmp_path / "ws")
    result = run(*command, "-w", tmp_path / "ws", "--db", db, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert lines[0].endswith("(--db)")
    return lines[0]


@pytest.mark.parametrize("command", [("status",), ("pipeline", "show")])
def test_an_unreachable_postgresql_server(tmp_path: Path, command: tuple[str, ...]) -> None:
    port = _closed_port()
    said = _one_line_error(tmp_path, f"postgresql://sales:secret@127.0.0.1:{port}/crm", *command)
    assert said.startswith(
        f"error: cannot connect to the PostgreSQL database "
        f"postgresql://sales:***@127.0.0.1:{port}/crm: Connection refused. "
    )
    assert "Check that the server is running" in said
    assert "secret" not in said


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("call Dana about the renewal\n")
    said = _one_line_error(tmp_path, f"sqlite:///{notes}", "status")
    assert said == (
        f"error: {notes} is not a SQLite database (the file holds something else): point to "
        "a pipefit database, or to a new file name to start one (--db)"
    )
    assert notes.read_text() == "call Dana about the renewal\n"


def test_a_path_where_a_url_belongs(tmp_path: Path) -> None:
    said = _one_line_error(tmp_path, "notes.db", "status")
    assert said.startswith("error: 'notes.db' is not a database URL: give sqlite:///")


def test_a_sqlite_file_in_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "pipefit.db"
    said = _one_line_error(tmp_path, f"sqlite:///{missing}", "status")
    assert said.startswith(f"error: cannot open the SQLite database {missing}: ")
    assert "Check that its folder exists" in said


def test_a_mysql_url(tmp_path: Path) -> None:
    said = _one_line_error(tmp_path, "mysql://sales:secret@127.0.0.1/crm", "status")
    assert said == (
        "error: pipefit does not store data in mysql databases (mysql://sales:***@127.0.0.1/crm): "
        "use SQLite (sqlite:///path/to/file.db, the default) or PostgreSQL "
        "(postgresql://user@host:port/database) (--db)"
    )
