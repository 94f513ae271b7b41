"""What a section of a mapping file sees: the rows of one file, with the columns of the
files joined onto them (mapping_joins.py), found by name for `columns`, `where` and `when`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.io.batch import FILE, ROW
from pipefit.io.errors import RowError
from pipefit.io.mapping_rules import Join, Rule, all_hold
from pipefit.io.source_columns import text_column

__all__ = [
    "Found",
    "Frame",
    "Part",
    "field_labels",
    "find_column",
    "in_joined_files",
    "lines_of",
    "when_values",
]


def find_column(header: Sequence[str], wanted: str) -> str | None:
    """A column by its exact name, else the one column equal to it ignoring case."""
    if wanted in header:
        return wanted
    folded = [h for h in header if h.casefold() == wanted.casefold()]
    return folded[0] if len(folded) == 1 else None


@dataclass(frozen=True)
class Found:
    """A source column as text, one value per row of the frame. `files` and `rows` say where
    each value comes from when it comes from a joined file (null where nothing joined)."""

    label: str
    values: pa.Array
    files: pa.Array | None = None
    rows: pa.Array | None = None


@dataclass(frozen=True)
class Part:
    """The columns of a joined file, taken onto the rows they join (null rows: no match)."""

    join: Join
    header: list[str]
    table: pa.Table  # its columns and FILE / ROW, aligned with the frame's rows
    index: pa.Array  # the joined file's row for each of the frame's rows (null: none)

    @property
    def section(self) -> str:
        return self.join.section


@dataclass(frozen=True)
class Frame:
    """The rows of one file, with the columns of the files joined onto them."""

    file: str
    rows: pa.Array  # each row's line in `file`
    own: pa.Table
    parts: tuple[Part, ...] = ()

    @property
    def num_rows(self) -> int:
        return int(self.own.num_rows)

    def columns(self) -> str:
        """The columns a mapping may name here, for messages."""
        names = list(self.own.column_names)
        for part in self.parts:
            names += [f"{part.section}.{h}" for h in part.header]
        return ", ".join(names)

    def find(self, wanted: str) -> Found | str:
        """A column of this file, else of a joined file (`section.column` or a name only
        one joined file holds); a message when there is none or several."""
        own = find_column(self.own.column_names, wanted)
        if own is not None:
            return Found(own, text_column(self.own, own))
        section, dot, rest = wanted.partition(".")
        candidates = [p for p in self.parts if dot and p.section == section]
        name = rest if candidates else wanted
        if not candidates:
            candidates = list(self.parts)
        hits = [(p, c) for p in candidates if (c := find_column(p.header, name)) is not None]
        if len(hits) > 1:
            where = ", ".join(f"{p.section}.{c}" for p, c in hits)
            return f"is a column of several joined files: {where}; write which"
        if not hits and self.parts:
            return (
                "is not a column of this file or of a file joined onto it; their columns "
                f"are: {self.columns()}"
            )
        if not hits:
            return f"is not a column of this file; its columns are: {self.columns()}"
        part, column = hits[0]
        return Found(
            column,
            text_column(part.table, column),
            part.table[FILE].combine_chunks(),
            part.table[ROW].combine_chunks(),
        )

    def filter(self, mask: pa.Array) -> Frame:
        if pc.all(mask).as_py():
            return self
        return Frame(
            self.file,
            self.rows.filter(mask),
            self.own.filter(mask),
            tuple(
                replace(p, table=p.table.filter(mask), index=p.index.filter(mask))
                for p in self.parts
            ),
        )


def lines_of(found: Sequence[Found]) -> Callable[[int], tuple[str, int] | None]:
    """For a field fed by columns of one joined file: where row i's value comes from."""
    sources = [f for f in found if f.files is not None and f.rows is not None]
    if not sources or len(sources) != len(found):
        return lambda i: None
    files, rows = sources[0].files, sources[0].rows
    assert files is not None and rows is not None

    def where(i: int) -> tuple[str, int] | None:
        file, row = files[i].as_py(), rows[i].as_py()
        return None if file is None else (file, row)

    return where


# --- a section's fields from its frame ------------------------------------------------


def field_labels(
    key: str,
    constants: Mapping[str, str],
    found: Mapping[str, Sequence[Found]],
    conditions: Mapping[str, Sequence[str]],
) -> dict[str, str]:
    """Each field's name in the source, for messages: its columns (`Won time / Lost time`),
    else the mapping key of its constant, and the columns its `when` reads."""
    labels = {name: " / ".join(f.label for f in sources) for name, sources in found.items()}
    for name in constants:
        labels.setdefault(name, f"files.{key}.constants.{name}")
    for name, columns in conditions.items():
        parts = [labels[name]] if name in labels else []
        labels[name] = " / ".join(dict.fromkeys([*parts, *columns]))
    return labels


def when_values(rules: Sequence[Rule], frame: Frame, base: pa.Array | None) -> pa.Array:
    """The value of the first rule whose conditions hold, else the field's own value."""
    result = base if base is not None else pa.nulls(frame.num_rows, pa.string())
    for rule in reversed(rules):

        def cells(column: str) -> pa.Array:
            found = frame.find(column)
            assert not isinstance(found, str)
            return found.values

        holds = all_hold(rule.conditions, cells, frame.num_rows)
        result = pc.if_else(holds, pa.scalar(rule.value, pa.string()), result)
    return result


def in_joined_files(
    problems: Sequence[RowError],
    frame: Frame,
    found: Mapping[str, Sequence[Found]],
    labels: Mapping[str, str],
) -> list[RowError]:
    """A bad value that came from a joined file is reported on that file's row."""
    fields = {label: name for name, label in labels.items() if name in found}
    lines: dict[int, int] | None = None
    located = []
    for error in problems:
        name = fields.get(error.column or "")
        where = lines_of(found[name]) if name is not None else None
        if where is not None and error.row is not None:
            if lines is None:
                lines = {line: i for i, line in enumerate(frame.rows.to_pylist())}
            source = where(lines[error.row])
            if source is not None:
                error = replace(error, file=source[0], row=source[1])
        located.append(error)
    return located
