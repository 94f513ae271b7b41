"""The SQL unit of work: one connection and one transaction, the repositories bound to it."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from pipefit.domain.pipeline import Pipeline
from pipefit.store.accounts import SqlAudit
from pipefit.store.analytics import SqlAnalytics
from pipefit.store.compensation import SqlCompensation
from pipefit.store.data_version import bump as bump_data_version
from pipefit.store.deals import SqlDeals
from pipefit.store.history import SqlHistory
from pipefit.store.imports import SqlImports
from pipefit.store.leads import SqlLeads
from pipefit.store.summary import SqlStatus

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    """`with uow:` begins a transaction; `commit()` keeps it; leaving without one rolls back.

    Bulk reads (pay's won deals, the history tables) go through ADBC on their own short
    connections, as Arrow; every write goes through this unit's transaction."""

    def __init__(
        self,
        engine: Engine,
        url: str,
        pipelines: dict[str, Pipeline],
        *,
        analytics_copy: Path | None = None,
    ) -> None:
        self._engine = engine
        self._url = url
        self._pipelines = pipelines
        self._analytics_copy = analytics_copy  # the stage log's columnar copy, if kept
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("a unit of work is used for one block at a time")
        self._connection = self._engine.connect()
        self._connection.begin()
        self.deals = SqlDeals(self._connection, self._pipelines)
        self.pay = SqlCompensation(self._engine, self._url, self._connection)
        self.history = SqlHistory(self._engine, self._url)
        self.imports = SqlImports(self._connection)
        self.status = SqlStatus(self._connection)
        self.leads = SqlLeads(self._connection, self._url)
        self.analytics = SqlAnalytics(self._connection, self._url, self._analytics_copy)
        self.audit = SqlAudit(self._connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection = self._connection
        self._connection = None
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
        bump_data_version(self.connection)  # in the same transaction as what it keeps
        self.connection.commit()
        self.connection.begin()

    def rollback(self) -> None:
        self.connection.rollback()
        self.connection.begin()
