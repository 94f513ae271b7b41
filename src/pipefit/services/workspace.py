"""init_workspace and open_workspace: a folder with pipefit.toml and its database."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from pipefit.config import CONFIG_FILE, Workspace, default_config_text, load_workspace
from pipefit.domain.errors import PipefitError
from pipefit.store.database import ensure_schema, make_engine, migrate
from pipefit.store.pipelines import save_pipeline

__all__ = ["init_workspace", "open_workspace", "sync_pipelines"]


def sync_pipelines(workspace: Workspace, engine: Engine) -> None:
    """Store the workspace's pipelines so that SQL and imports see their stages."""
    config = workspace.config
    with engine.begin() as conn:
        for pipeline in config.pipelines_by_name().values():
            save_pipeline(conn, pipeline, is_default=pipeline.name == config.default_pipeline)


def init_workspace(
    root: Path, *, database_url: str | None = None, force: bool = False
) -> Workspace:
    """Write the default pipefit.toml (unless one exists) and create the schema."""
    root.mkdir(parents=True, exist_ok=True)
    config_path = root / CONFIG_FILE
    if (config_path.exists() and force) or not config_path.exists():
        config_path.write_text(default_config_text(), "utf-8")
    workspace = load_workspace(root, database_url)
    engine = make_engine(workspace.database_url)
    try:
        migrate(engine)
        sync_pipelines(workspace, engine)
    except Exception as exc:
        raise PipefitError(
            f"could not prepare the database at {workspace.database_url}: {exc}"
        ) from exc
    finally:
        engine.dispose()
    return workspace


def open_workspace(root: Path | None = None, *, database_url: str | None = None) -> Workspace:
    """Load pipefit.toml and bring the database schema up to date."""
    workspace = load_workspace(root, database_url)
    engine = make_engine(workspace.database_url)
    try:
        ensure_schema(engine)
    finally:
        engine.dispose()
    return workspace
