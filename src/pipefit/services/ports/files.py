"""What the services need from files: lead CSVs, scored files, saved models, pipefit.toml.

Every writer writes a file whole or not at all (readers never see half a file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

__all__ = ["ConfigFile", "LeadFiles", "ModelFiles"]


class LeadFiles(Protocol):
    def read_leads(self, path: Path) -> pa.Table:
        """A CSV file of leads, one row each (PipefitError if missing or unreadable)."""
        ...

    def write_scores(self, path: Path, table: pa.Table) -> None: ...


class ModelFiles(Protocol):
    def save(self, path: Path, payload: dict[str, Any]) -> None: ...

    def load(self, path: Path) -> Any:
        """What `save` kept (PipefitError if there is no such file or it cannot be read)."""
        ...


class ConfigFile(Protocol):
    """The workspace's configuration file (pipefit.toml) as text."""

    @property
    def location(self) -> str: ...

    def read(self) -> str: ...

    def replace(self, text: str) -> None: ...
