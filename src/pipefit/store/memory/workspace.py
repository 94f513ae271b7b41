"""An in-memory WorkspaceSchema: remembers what it was asked to prepare, and fails with
`fail_with` when a test sets it (as a database that cannot be reached would)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pipefit.domain.pipeline import Pipeline

__all__ = ["MemorySchema"]


@dataclass
class MemorySchema:
    prepared: list[tuple[str, list[str], str]] = field(default_factory=list)  # url, names, default
    updated: list[str] = field(default_factory=list)
    fail_with: Exception | None = None

    def prepare(self, database_url: str, pipelines: Sequence[Pipeline], *, default: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.prepared.append((database_url, [p.name for p in pipelines], default))

    def bring_up_to_date(self, database_url: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.updated.append(database_url)
