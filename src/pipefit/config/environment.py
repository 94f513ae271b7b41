"""Settings from the environment (never from pipefit.toml): where the workspace and database are."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """`PIPEFIT_WORKSPACE` (default: the current folder) and `PIPEFIT_DATABASE_URL` (default:
    SQLite `pipefit.db` in the workspace). Secrets belong here, not in the workspace file."""

    model_config = SettingsConfigDict(env_prefix="PIPEFIT_")

    workspace: Path = Path(".")
    database_url: str | None = None
