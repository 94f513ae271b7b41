"""An import's vocabulary: a rejected value, the refusal of a whole import, and what a load
wrote. Readers (io), loaders (store) and the import service all speak it."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipefit.domain.errors import PipefitError

__all__ = ["FILE", "ROW", "ImportRejected", "LoadReport", "RowError", "TableReport"]

# Every table of a batch carries, per row, the file and the line it came from, so that a
# problem found late (a reference to an unknown deal) still names where to look.
ROW = "__row"
FILE = "__file"


@dataclass(frozen=True, slots=True)
class RowError:
    """One rejected value (or line, or file).

    `row` is the line of the file on which the row starts, the header being line 1: a
    quoted value that spans lines, or a blank line, does not shift the rows after it.
    None when the problem is the file's as a whole. `column` is the file's own column
    name (the source's, not pipefit's field), None when the problem is the row's.
    """

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
    """The import was refused as a whole; nothing was written.

    `errors` holds every problem found, none left out, in the order of the files and,
    within a file, of its lines (problems of a whole file first)."""

    def __init__(self, errors: list[RowError]) -> None:
        files: dict[str, int] = {}
        for error in errors:
            files.setdefault(error.file, len(files))
        self.errors = sorted(errors, key=lambda e: (files[e.file], e.row or 0))
        first = str(errors[0]) if errors else "no details"
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        super().__init__(f"import refused, nothing written: {first}{more}")


@dataclass
class TableReport:
    """What a load did to one table: rows given, of which new and changed."""

    rows: int = 0
    inserted: int = 0
    updated: int = 0
    seconds: float = 0.0

    @property
    def unchanged(self) -> int:
        return self.rows - self.inserted - self.updated


@dataclass
class LoadReport:
    tables: dict[str, TableReport] = field(default_factory=dict)
    commit_seconds: float = 0.0
