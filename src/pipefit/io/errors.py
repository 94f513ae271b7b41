"""Rejected input: every problem names file, row, column and value (defined in the domain,
where the import service and the loaders share them)."""

from __future__ import annotations

from pipefit.domain.imports import ImportRejected, RowError

__all__ = ["ImportRejected", "RowError"]
