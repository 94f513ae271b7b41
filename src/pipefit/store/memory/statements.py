"""An in-memory StatementWriter: remembers each pay run it was asked to write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipefit.domain.statements import Statement

__all__ = ["MemoryStatementWriter", "WrittenRun"]

Skipped = tuple[str, str, str]  # person, role, why they could not be paid


@dataclass(frozen=True)
class WrittenRun:
    folder: Path
    statements: list[Statement]
    skipped: list[Skipped]
    html: bool


@dataclass
class MemoryStatementWriter:
    runs: list[WrittenRun] = field(default_factory=list)

    def write(
        self,
        folder: Path,
        statements: Sequence[Statement],
        skipped: Sequence[Skipped],
        *,
        html: bool = True,
    ) -> list[Path]:
        self.runs.append(WrittenRun(folder, list(statements), list(skipped), html))
        # The files the real writer (io.statement_files) would name.
        written = [folder / "statements.csv", folder / "statement_lines.csv"]
        return [*written, folder / "index.html", folder / "people"] if html else written
