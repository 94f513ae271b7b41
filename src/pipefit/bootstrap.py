"""Wiring: the real adapters behind the services, for the CLI, the API and scripts.

This is the only module that knows both the services and the adapters (store, io): an
entry point opens an `App` and hands its units of work and ports to the services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine

from pipefit.config import Workspace, load_workspace
from pipefit.config.compensation import CompensationConfig
from pipefit.services.deals import OpenDeals
from pipefit.services.ports.deals import DealRepository
from pipefit.services.ports.pay import StatementWriter
from pipefit.store.database import make_engine
from pipefit.store.deals import SqlDeals
from pipefit.store.summary import Summary, read_summary
from pipefit.store.unit_of_work import SqlUnitOfWork

__all__ = ["App"]


class App:
    """One workspace and its database, ready for the services."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @classmethod
    def configured(cls, root: Path | None = None) -> App:
        """A workspace's configuration alone: its database is neither opened nor migrated."""
        return cls(load_workspace(root))

    @property
    def compensation(self) -> CompensationConfig:
        return self.workspace.config.compensation

    @property
    def currency(self) -> str:
        return self.workspace.config.workspace.currency

    @property
    def statement_writer(self) -> StatementWriter:
        """Pay runs as CSV files and HTML pages (the pages made by views.statements)."""
        # Imported here: pyarrow costs every other command's start-up a noticeable pause.
        from pipefit.io.statement_files import StatementFiles
        from pipefit.views.statements import StatementDocuments

        return StatementFiles(StatementDocuments())

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.workspace.database_url)

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work on the workspace's database (use it in one `with` block)."""
        return SqlUnitOfWork(
            self.engine, self.workspace.database_url, self.workspace.config.pipelines_by_name()
        )

    @property
    def deals(self) -> OpenDeals:
        configured = self.workspace.config.pipelines_by_name()

        @contextmanager
        def open_deals() -> Iterator[DealRepository]:
            with self.engine.begin() as conn:
                yield SqlDeals(conn, configured)

        return open_deals

    def summary(self, recent: int = 5) -> Summary:
        with self.engine.connect() as conn:
            return read_summary(conn, recent=recent)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()
