"""The transaction every SQL unit of work shares: `with unit:` connects and begins,
`commit()` keeps what was done and begins again, leaving without a commit rolls back.

A unit binds its own repositories to the connection (`_bind`); one that keeps more at
commit time (the data version) does it before calling `commit` here, so that it lands in
the same transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

__all__ = ["SqlTransaction"]


class SqlTransaction:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def _bind(self, connection: Connection) -> None:
        """Give the repositories the open connection (each unit binds its own)."""

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("a unit of work is used for one block at a time")
        self._connection = self._engine.connect()
        self._connection.begin()
        self._bind(self._connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open: use it in a `with` block")
        return self._connection

    def commit(self) -> None:
        self.connection.commit()
        self.connection.begin()

    def rollback(self) -> None:
        self.connection.rollback()
        self.connection.begin()
