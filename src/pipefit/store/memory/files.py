"""In-memory file ports for unit tests of the services: lead files, saved models and the
workspace's pipefit.toml, each kept in a dict or a string instead of on disk.

They refuse what the real adapters (`io.lead_files`, `io.models`, `io.config_file`) refuse,
with the same errors, and remember what a service wrote so a test can look at it (or see
that nothing was written)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipefit.config.workspace import parse_config
from pipefit.domain.errors import PipefitError

__all__ = ["MemoryConfigFile", "MemoryLeadFiles", "MemoryModelFiles"]


class MemoryLeadFiles:
    """Lead files as Arrow tables by path; scored files land in `written`, by path."""

    def __init__(self, files: Mapping[Path, pa.Table] | None = None) -> None:
        self.files: dict[Path, pa.Table] = dict(files or {})
        self.written: dict[Path, pa.Table] = {}

    def read_leads(self, path: Path) -> pa.Table:
        try:
            return self.files[path]
        except KeyError:
            raise PipefitError(f"no file {path}") from None

    def write_scores(self, path: Path, table: pa.Table) -> None:
        self.written[path] = table


class MemoryModelFiles:
    """Saved models by path. A test may put anything in `saved` (as anything may be in a
    file); `load` hands back what is there."""

    def __init__(self, saved: Mapping[Path, Any] | None = None) -> None:
        self.saved: dict[Path, Any] = dict(saved or {})

    def save(self, path: Path, payload: dict[str, Any]) -> None:
        # A copy, as a file would keep: later changes to the caller's dict do not leak in.
        self.saved[path] = dict(payload)

    def load(self, path: Path) -> Any:
        try:
            return self.saved[path]
        except KeyError:
            raise PipefitError(f"no model file {path}", field="scoring.model") from None


class MemoryConfigFile:
    """pipefit.toml as text; `replace` refuses a text that would not load, as the real file
    does, and counts the writes it accepted."""

    def __init__(self, text: str, location: str = "memory:pipefit.toml") -> None:
        self.text = text
        self._location = location
        self.writes = 0

    @property
    def location(self) -> str:
        return self._location

    def read(self) -> str:
        return self.text

    def replace(self, text: str) -> None:
        parse_config(text, self._location)
        self.text = text
        self.writes += 1
