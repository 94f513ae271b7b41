"""Rejected input: every problem names file, row, column and value."""

from __future__ import annotations

from dataclasses import dataclass

from pipefit.domain.errors import PipefitError

__all__ = ["ImportRejected", "RowError"]


@dataclass(frozen=True)
class RowError:
    """One rejected value. `row` is the line number in the file (the header is line 1)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.message}{shown}"


class ImportRejected(PipefitError):
    """The import was refused as a whole; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        first = str(errors[0]) if errors else "no details"
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        super().__init__(f"import refused, nothing written: {first}{more}")
