"""An import's vocabulary: a rejected value, a note about data that looks wrong, the refusal
of a whole import, and what a load wrote. Readers (io), loaders (store) and the import
service all speak it."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipefit.domain.errors import PipefitError

__all__ = [
    "FILE",
    "ROW",
    "ImportRejected",
    "LoadReport",
    "Note",
    "RowError",
    "TableReport",
]

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


SHOWN_EXAMPLES = 5


@dataclass(frozen=True)
class Note:
    """Data that may be real but looks wrong: counted, with a few of the ids concerned, and
    kept (or settled as `action` says). A strict import refuses it instead (`as_error`)."""

    finding: str  # what looks wrong, with its count: "3 opportunities name 2 unknown people"
    action: str  # what the import did about it: "the ids are kept"
    count: int  # rows concerned
    examples: tuple[str, ...] = ()  # some ids concerned (the first few are shown)
    file: str | None = None
    column: str | None = None

    def _where(self) -> str:
        if self.file is None:
            return ""
        return self.file + (f", column '{self.column}'" if self.column else "") + ": "

    def _shown(self) -> str:
        shown = self.examples[:SHOWN_EXAMPLES]
        if not shown:
            return ""
        more = ", ..." if len(self.examples) > len(shown) else ""
        return f" (e.g. {', '.join(shown)}{more})"

    def __str__(self) -> str:
        return f"{self._where()}{self.finding}; {self.action}{self._shown()}"

    def as_error(self) -> RowError:
        """The note as a refusal, for an import that accepts nothing doubtful."""
        shown = ", ".join(self.examples[:SHOWN_EXAMPLES])
        return RowError(
            self.file or "(import)",
            None,
            self.column,
            shown or None,
            f"{self.finding} (a strict import refuses what it would otherwise only note)",
        )


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
