"""What opening a workspace needs from its database: a schema brought up to date."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pipefit.domain.pipeline import Pipeline

__all__ = ["WorkspaceSchema"]


class WorkspaceSchema(Protocol):
    def prepare(self, database_url: str, pipelines: Sequence[Pipeline], *, default: str) -> None:
        """Create or migrate the schema, then store the pipelines (stages and categories)
        so that reports and imports see them; `default` names the default pipeline."""
        ...

    def bring_up_to_date(self, database_url: str) -> None:
        """Migrate only if the schema is older than this version of pipefit."""
        ...
