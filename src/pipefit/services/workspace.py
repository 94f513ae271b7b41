"""A workspace's database: prepared when the workspace is created, kept current when opened.

The workspace file itself (pipefit.toml and the environment) is read by the entry point's
wiring (`bootstrap.App.init` / `App.open`), which hands the services what it holds."""

from __future__ import annotations

from collections.abc import Sequence

from pipefit.domain.errors import PipefitError
from pipefit.domain.pipeline import Pipeline
from pipefit.services.ports.workspace import WorkspaceSchema

__all__ = ["prepare_database", "update_database"]


def prepare_database(
    schema: WorkspaceSchema,
    database_url: str,
    pipelines: Sequence[Pipeline],
    *,
    default_pipeline: str,
) -> None:
    """Create (or migrate) the schema and store the workspace's pipelines."""
    try:
        schema.prepare(database_url, pipelines, default=default_pipeline)
    except Exception as exc:
        raise PipefitError(f"could not prepare the database at {database_url}: {exc}") from exc


def update_database(schema: WorkspaceSchema, database_url: str) -> None:
    """Bring the schema up to date (most of the time it already is)."""
    schema.bring_up_to_date(database_url)
