"""The SQL unit of work: one connection and one transaction, the repositories bound to it."""

from __future__ import annotations

from pathlib import Path

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
from pipefit.store.transaction import SqlTransaction

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork(SqlTransaction):
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
        super().__init__(engine)
        self._url = url
        self._pipelines = pipelines
        self._analytics_copy = analytics_copy  # the stage log's columnar copy, if kept

    def _bind(self, connection: Connection) -> None:
        self.deals = SqlDeals(connection, self._pipelines)
        self.pay = SqlCompensation(self._engine, self._url, connection)
        self.history = SqlHistory(self._engine, self._url)
        self.imports = SqlImports(connection)
        self.status = SqlStatus(connection)
        self.leads = SqlLeads(connection, self._url)
        self.analytics = SqlAnalytics(connection, self._url, self._analytics_copy)
        self.audit = SqlAudit(connection)

    def commit(self) -> None:
        bump_data_version(self.connection)  # in the same transaction as what it keeps
        super().commit()
