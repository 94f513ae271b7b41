"""The transaction every SQL unit of work shares (store.transaction), on a SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text

from pipefit.store.memory.transaction import MemoryTransaction
from pipefit.store.transaction import SqlTransaction


class Notes(SqlTransaction):
    def _bind(self, connection: Connection) -> None:
        self.bound = connection


def _engine(tmp_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'notes.db'}")
    with engine.begin() as c:
        c.execute(text("CREATE TABLE notes (body TEXT)"))
    return engine


def _count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(text("SELECT count(*) FROM notes")).scalar_one())


def test_what_is_committed_is_kept_and_what_follows_without_a_commit_is_not(
    tmp_path: Path,
) -> None:
    engine = _engine(tmp_path)
    with Notes(engine) as unit:
        assert unit.bound is unit.connection
        unit.connection.execute(text("INSERT INTO notes VALUES ('kept')"))
        unit.commit()
        unit.connection.execute(text("INSERT INTO notes VALUES ('left')"))
    assert _count(engine) == 1


def test_a_rollback_undoes_the_work_and_begins_again(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    with Notes(engine) as unit:
        unit.connection.execute(text("INSERT INTO notes VALUES ('undone')"))
        unit.rollback()
        unit.connection.execute(text("INSERT INTO notes VALUES ('kept')"))
        unit.commit()
    assert _count(engine) == 1


def test_a_unit_is_used_for_one_block_at_a_time_and_only_inside_one(tmp_path: Path) -> None:
    unit = Notes(_engine(tmp_path))
    with pytest.raises(RuntimeError, match="not open"):
        unit.commit()
    with unit, pytest.raises(RuntimeError, match="one block at a time"):
        unit.__enter__()


def test_a_memory_unit_counts_a_rollback_when_its_block_fails() -> None:
    unit = MemoryTransaction()
    with pytest.raises(ValueError), unit:
        unit.commit()
        raise ValueError("refused")
    assert (unit.committed, unit.rolled_back) == (1, 1)
