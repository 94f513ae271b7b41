"""Every connection waits for a lock before anything else, and a database pipefit cannot
use is named in one line that says what to do."""

from __future__ import annotations

from typing import Any

import pytest

from pipefit.store.database import (
    BUSY_TIMEOUT_MS,
    DatabaseUnavailable,
    _sqlite_pragmas,
    make_engine,
    parse_url,
)


class _RecordingConnection:
    """A DBAPI connection that only notes the statements it is given."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def cursor(self) -> Any:
        return self

    def execute(self, statement: str) -> None:
        self.statements.append(statement)

    def close(self) -> None:
        pass


def test_a_sqlite_connection_sets_its_wait_before_any_other_statement() -> None:
    connection = _RecordingConnection()
    _sqlite_pragmas(connection, None)
    assert connection.statements[0] == f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}"
    assert "PRAGMA journal_mode=WAL" in connection.statements[1:]


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://sales:secret@db.example.com/crm", "does not store data in mysql databases"),
        ("mysql+pymysql://sales@db.example.com/crm", "does not store data in mysql databases"),
        ("oracle://scott@db.example.com/crm", "does not store data in oracle databases"),
        ("notes.txt", "'notes.txt' is not a database URL"),
        ("postgresql+psycopg2://sales@db.example.com/crm", "its driver is not installed"),
    ],
)
def test_a_database_pipefit_cannot_use_is_refused_before_connecting(url: str, said: str) -> None:
    with pytest.raises(DatabaseUnavailable) as refused:
        make_engine(url)
    message = str(refused.value)
    assert said in message
    assert "sqlite:///" in message or "postgresql://" in message  # what to use instead
    assert "secret" not in message
    assert refused.value.field == "database"


def test_the_two_kinds_pipefit_stores_data_in_are_accepted() -> None:
    assert parse_url("sqlite:///tmp/pipefit.db").get_backend_name() == "sqlite"
    assert parse_url("postgresql://sales@db.example.com/crm").drivername == "postgresql+psycopg"
