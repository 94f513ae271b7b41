"""Wiring: the real adapters behind the services, for the CLI, the API and scripts.

This is the only module that knows both the services and the adapters (store, io): an
entry point opens an `App` and hands its units of work and ports to the services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy import Engine

from pipefit.config import CONFIG_FILE, Workspace
from pipefit.io.config_file import TomlConfigFile
from pipefit.io.lead_files import CsvLeadFiles
from pipefit.io.models import JoblibModels
from pipefit.services.deals import OpenDeals
from pipefit.services.ports.deals import DealRepository
from pipefit.store.database import make_engine
from pipefit.store.deals import SqlDeals
from pipefit.store.summary import Summary, read_summary
from pipefit.store.unit_of_work import SqlUnitOfWork

__all__ = ["App", "lead_files", "model_files"]


class App:
    """One workspace and its database, ready for the services."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

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

    @property
    def config_file(self) -> TomlConfigFile:
        return TomlConfigFile(self.workspace.root / CONFIG_FILE)

    def summary(self, recent: int = 5) -> Summary:
        with self.engine.connect() as conn:
            return read_summary(conn, recent=recent)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def lead_files() -> CsvLeadFiles:
    """Lead CSV files in and scored files out (no workspace needed)."""
    return CsvLeadFiles()


def model_files() -> JoblibModels:
    """Saved lead models (no workspace needed)."""
    return JoblibModels()
