"""Wiring: the real adapters behind the services, for the CLI, the API and scripts.

This is the only module that knows both the services and the adapters (store, io): an
entry point opens an `App` and hands its units of work and ports to the services."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from pipefit.config import (
    CONFIG_FILE,
    DB_FILE,
    Workspace,
    WorkspaceConfig,
    default_config_text,
    load_workspace,
)
from pipefit.config.compensation import CompensationConfig
from pipefit.config.environment import Settings
from pipefit.domain.errors import PipefitError
from pipefit.io.config_file import TomlConfigFile
from pipefit.io.formats import FileReader
from pipefit.io.lead_files import CsvLeadFiles
from pipefit.io.models import JoblibModels
from pipefit.io.outputs import Outputs
from pipefit.services.imports import ImportDefaults
from pipefit.services.ports.analytics import AnalyticsSettings
from pipefit.services.ports.pay import StatementWriter
from pipefit.services.workspace import prepare_database, update_database
from pipefit.store.accounts import SqlAccounts
from pipefit.store.analytics import COPY_FOLDER
from pipefit.store.database import make_engine
from pipefit.store.disputes import SqlDisputeBook
from pipefit.store.imports import SqlBatchLoader
from pipefit.store.passwords import Argon2Hasher
from pipefit.store.schema import SqlSchema
from pipefit.store.unit_of_work import SqlUnitOfWork

__all__ = ["App", "lead_files", "model_files", "optional_config", "outputs"]


class App:
    """One workspace and its database, ready for the services."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    @classmethod
    def init(cls, root: Path, *, database_url: str | None = None, force: bool = False) -> App:
        """Create a workspace: the default pipefit.toml (unless one exists) and its schema.
        When the database cannot be prepared, what this call made is taken away again, so
        a failed init leaves no half-made workspace behind."""
        made_folder = not root.exists()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            why = "it is not a folder" if root.exists() else (exc.strerror or str(exc))
            raise PipefitError(f"cannot make the workspace folder {root}: {why}") from exc
        config_path = root / CONFIG_FILE
        made_config = not config_path.exists()
        if force or made_config:  # replaced whole, never left half-written
            TomlConfigFile(config_path).replace(default_config_text())
        try:
            workspace = load_workspace(root, database_url)
            config = workspace.config
            prepare_database(
                SqlSchema(),
                workspace.database_url,
                list(config.pipelines_by_name().values()),
                default_pipeline=config.default_pipeline,
            )
        except PipefitError:
            if made_config:
                config_path.unlink(missing_ok=True)
            if made_folder and not any(root.iterdir()):
                root.rmdir()
            raise
        return cls(workspace)

    @classmethod
    def open(cls, root: Path | None = None, *, database_url: str | None = None) -> App:
        """Open a workspace, its schema brought up to date."""
        workspace = load_workspace(root, database_url)
        update_database(SqlSchema(), workspace.database_url)
        return cls(workspace)

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

    def statement_writer(self, files: Outputs | None = None) -> StatementWriter:
        """Pay runs as CSV files and HTML pages (the pages made by views.statements),
        written through `files` (default: this workspace's outputs, none replaced)."""
        # Imported here: pyarrow costs every other command's start-up a noticeable pause.
        from pipefit.io.statement_files import StatementFiles
        from pipefit.views.statements import StatementDocuments

        return StatementFiles(StatementDocuments(), files or self.outputs())

    def outputs(self, *, inputs: Iterable[Path | None] = (), replace: bool = False) -> Outputs:
        """Where a command on this workspace may write: never over its database, its
        pipefit.toml or the command's `inputs`; over an existing file only if `replace`."""
        return outputs(
            self.workspace.root,
            database_url=self.workspace.database_url,
            inputs=inputs,
            replace=replace,
        )

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.workspace.database_url)

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work on the workspace's database (use it in one `with` block)."""
        return SqlUnitOfWork(
            self.engine,
            self.workspace.database_url,
            self.workspace.config.pipelines_by_name(),
            analytics_copy=self.workspace.root / COPY_FOLDER,
        )

    def accounts(self) -> SqlAccounts:
        """A fresh unit of work over logins, tokens, the audit log and deal pages."""
        return SqlAccounts(self.engine)

    def disputes(self) -> SqlDisputeBook:
        """A fresh unit of work over disputed statement lines and the audit log."""
        return SqlDisputeBook(self.engine)

    @property
    def password_hasher(self) -> Argon2Hasher:
        return Argon2Hasher()

    @property
    def analytics_settings(self) -> AnalyticsSettings:
        """How report amounts reach the workspace currency (pipefit.toml)."""
        rates = self.compensation.currency_rates(self.currency).rates
        categories = {
            (p.name, s.name): s.forecast_category
            for p in self.workspace.config.pipelines
            for s in p.stages
            if s.forecast_category is not None
        }
        return AnalyticsSettings(self.currency, dict(rates), categories)

    @property
    def batch_reader(self) -> FileReader:
        """Reads import files from disk."""
        return FileReader()

    @property
    def import_defaults(self) -> ImportDefaults:
        """What pipefit.toml says about imported rows (pipelines, currency, segments)."""
        config = self.workspace.config
        return ImportDefaults(
            pipelines=config.pipelines_by_name(),
            default_pipeline=config.default_pipeline,
            currency=config.workspace.currency,
            segmentation=config.segmentation(),
        )

    @property
    def batch_loader(self) -> SqlBatchLoader:
        """Writes a checked import batch to the database, all or nothing."""
        return SqlBatchLoader(self.engine, self.workspace.database_url)

    @property
    def config_file(self) -> TomlConfigFile:
        return TomlConfigFile(self.workspace.root / CONFIG_FILE)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()


def lead_files(files: Outputs | None = None) -> CsvLeadFiles:
    """Lead CSV files in and scored files out through `files` (no workspace needed)."""
    return CsvLeadFiles(files or Outputs())


def model_files(files: Outputs | None = None) -> JoblibModels:
    """Saved lead models, written through `files` (no workspace needed)."""
    return JoblibModels(files or Outputs())


def _database_files(database_url: str) -> list[Path]:
    """The files of a SQLite database (with its journals); none for a server."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return []
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return []
    path = Path(url.database)
    return [path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))]


def outputs(
    root: Path | None = None,
    *,
    database_url: str | None = None,
    inputs: Iterable[Path | None] = (),
    replace: bool = False,
) -> Outputs:
    """Where a command may write (see `io.outputs`). The workspace in scope (`root`, else
    PIPEFIT_WORKSPACE or the current folder) need not exist: its database and its
    pipefit.toml are guarded wherever they would be, and so are the command's `inputs`."""
    settings = Settings()
    folder = root if root is not None else settings.workspace
    url = database_url or settings.database_url or f"sqlite:///{folder / DB_FILE}"
    files = _database_files(url)
    guarded: list[tuple[Path, str]] = [
        (path, "the workspace database" if i == 0 else "a journal of the workspace database")
        for i, path in enumerate(files)
    ]
    guarded.append((folder / CONFIG_FILE, "the workspace configuration"))
    guarded += [(path, "an input of this command") for path in inputs if path is not None]
    return Outputs(guarded, replace=replace)


def optional_config(root: Path | None) -> WorkspaceConfig | None:
    """The workspace's configuration when `root` (default: PIPEFIT_WORKSPACE or the current
    folder) holds a pipefit.toml; None for commands that also work without a workspace."""
    folder = root if root is not None else Settings().workspace
    if not (folder / CONFIG_FILE).exists():
        if root is not None:
            return load_workspace(root).config  # a folder named on purpose must be one
        return None
    return load_workspace(folder).config
