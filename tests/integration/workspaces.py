"""Workspaces on SQLite and on the real PostgreSQL server, for storage tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.services import imports
from pipefit.store import tables
from pipefit.store.database import make_engine

COUNTED = (
    "opportunities",
    "accounts",
    "people",
    "leads",
    "stage_events",
    "activities",
    "contacts",
    "teams",
    "quotas",
    "customer_outcomes",
    "handoffs",
    "pools",
    "pool_members",
)


def new_workspace(root: Path, database_url: str | None = None) -> Workspace:
    app = App.init(root, database_url=database_url)
    app.close()
    return app.workspace


def import_files(
    workspace: Workspace, paths: Sequence[Path], **options: Any
) -> imports.ImportResult:
    """The import service wired as the CLI wires it (files from disk, the SQL store)."""
    app = App(workspace)
    try:
        return imports.import_files(
            app.uow(), app.batch_reader, app.batch_loader, app.import_defaults, paths, **options
        )
    finally:
        app.close()


def table_counts(workspace: Workspace) -> dict[str, int]:
    engine = make_engine(workspace.database_url)
    try:
        with engine.connect() as conn:
            return {
                name: int(
                    conn.execute(
                        select(func.count()).select_from(getattr(tables, name))
                    ).scalar_one()
                )
                for name in COUNTED
            }
    finally:
        engine.dispose()


def query(workspace: Workspace, statement: Any) -> list[Any]:
    """Rows of one statement, on a short-lived engine (tests read what an import wrote)."""
    engine = make_engine(workspace.database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(statement))
    finally:
        engine.dispose()


def count(workspace: Workspace, table: Any, *where: Any) -> int:
    return int(query(workspace, select(func.count()).select_from(table).where(*where))[0][0])
