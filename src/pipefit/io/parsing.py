"""Turn columns of text into typed Arrow columns, set-at-a-time, collecting every bad value.

The fast path is vectorised (pyarrow.compute); per-value Python runs only to describe
values that failed, so a clean million-row file never loops in Python. Numbers are read
by `io.numbers` (separators detected per column, currency marks kept), dates by
`io.dates` (ISO 8601 or numeric, the order of day and month detected per column).
`coerce_columns` reads the columns of one table together: an amount's currency mark is
checked against the row's currency, and a column whose day/month order is open takes it
from the table's other date columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.io.currencies import check_marks
from pipefit.io.date_columns import UTC_TIMES, DateColumn, read_date_column
from pipefit.io.dates import parse_dates, to_strptime
from pipefit.io.errors import RowError
from pipefit.io.numbers import DECIMAL, NumberFormat, read_numbers

__all__ = [
    "ARROW_TYPES",
    "FALSE_WORDS",
    "TRUE_WORDS",
    "FieldSpec",
    "ValueFormats",
    "coerce_column",
    "coerce_columns",
    "parse_declared_format",
]

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")

ARROW_TYPES: dict[str, pa.DataType] = {
    "str": pa.string(),
    "int": pa.int64(),
    "decimal": DECIMAL,
    "bool": pa.bool_(),
    "datetime": UTC_TIMES,
    "date": pa.date32(),
}

_NULL_TEXT = pa.scalar(None, pa.string())


@dataclass(frozen=True)
class FieldSpec:
    """A column of a native table: its type, whether it must be filled, allowed values.

    Numbers are zero or more unless `signed` (a margin may be negative)."""

    name: str
    type: str = "str"
    required: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""
    signed: bool = False


@dataclass(frozen=True)
class ValueFormats:
    """How a file writes values where that is declared rather than detected.

    `date_format`: the date format of every date column (strptime or `DD/MM/YYYY`), None
    or "auto" to detect per column; `column_dates`: a format per field, over the file's;
    `numbers`: the decimal and thousands separators (detected per column when unset)."""

    date_format: str | None = None
    column_dates: Mapping[str, str] = field(default_factory=dict)
    numbers: NumberFormat = field(default_factory=NumberFormat)

    def date_format_of(self, name: str) -> str | None:
        fmt = self.column_dates.get(name, self.date_format)
        return None if fmt in (None, "auto") else fmt


def _blank_to_null(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    blank = pc.equal(column, "")
    if not pc.any(blank).as_py():
        return column
    return pc.if_else(blank, _NULL_TEXT, column)


def _bad_rows(
    text: pa.Array, ok: pa.Array, *, file: str, first_row: int, column: str, message: str
) -> list[RowError]:
    bad = pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(ok, False)))
    idx = pc.indices_nonzero(bad).to_pylist()
    return [RowError(file, first_row + i, column, text[i].as_py(), message) for i in idx]


def parse_declared_format(text: pa.Array, fmt: str) -> pa.Array:
    """Naive timestamps from dates in `fmt` (strptime or `DD/MM/YYYY`), with or without a
    time of day after them (24-hour or AM/PM). Null where a value is not such a date."""
    return parse_dates(text, to_strptime(fmt) or fmt)


# --- one column ------------------------------------------------------------------------


@dataclass
class _Column:
    values: pa.Array
    errors: list[RowError]
    marks: pa.Array | None = None  # currency marks written in the cells of an amount
    text: pa.Array | None = None  # the cells, for messages about the marks
    notes: list[str] = field(default_factory=list)
    dates: DateColumn | None = None


def _required(text: pa.Array, spec: FieldSpec, file: str, first_row: int) -> list[RowError]:
    if not spec.required:
        return []
    missing = pc.indices_nonzero(pc.is_null(text)).to_pylist()
    return [
        RowError(file, first_row + i, spec.name, None, "is required but empty") for i in missing
    ]


def _coerce(
    raw: pa.Array | pa.ChunkedArray,
    spec: FieldSpec,
    *,
    file: str,
    first_row: int,
    date_format: str | None,
    date_order: str | None,
    numbers: NumberFormat,
) -> _Column:
    target = ARROW_TYPES[spec.type]
    if spec.type != "str" and raw.type == target:
        # Already converted by the CSV reader: only emptiness and sign are left to check.
        errors = _required(raw, spec, file, first_row)
        if spec.type in ("int", "decimal") and not spec.signed:
            below = pc.indices_nonzero(pc.fill_null(pc.less(raw, 0), False)).to_pylist()
            errors += [
                RowError(file, first_row + i, spec.name, str(raw[i].as_py()), _BELOW_ZERO)
                for i in below
            ]
        return _Column(raw, errors)
    if spec.type == "str" and pa.types.is_string(raw.type) and not spec.choices:
        # Text stays text (chunks and all): only blanks become nulls.
        text = _blank_to_null(raw)
        return _Column(text, _required(text, spec, file, first_row))
    text = raw.combine_chunks() if isinstance(raw, pa.ChunkedArray) else raw
    if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
        text = pc.cast(text, pa.string())
    text = _blank_to_null(text)

    def report(ok: pa.Array, message: str) -> list[RowError]:
        return _bad_rows(
            text, ok, file=file, first_row=first_row, column=spec.name, message=message
        )

    def first_value() -> RowError:
        i = pc.indices_nonzero(pc.is_valid(text))[0].as_py()
        return RowError(file, first_row + i, spec.name, text[i].as_py(), "")

    errors = _required(text, spec, file, first_row)
    if spec.type == "str":
        lowered = pc.utf8_lower(pc.utf8_trim_whitespace(text))
        allowed = ", ".join(spec.choices)
        errors += report(
            pc.is_in(lowered, value_set=pa.array(spec.choices)), f"must be one of: {allowed}"
        )
        return _Column(lowered, errors)
    if spec.type in ("int", "decimal"):
        read = read_numbers(text, whole=spec.type == "int", signed=spec.signed, fmt=numbers)
        errors += [
            RowError(file, first_row + i, spec.name, text[i].as_py(), message)
            for i, message in read.errors
        ]
        return _Column(read.values, errors, marks=read.marks, text=text, notes=read.notes)
    if spec.type == "bool":
        lowered = pc.utf8_lower(pc.utf8_trim_whitespace(text))
        is_true = pc.is_in(lowered, value_set=pa.array(TRUE_WORDS))
        is_false = pc.is_in(lowered, value_set=pa.array(FALSE_WORDS))
        errors += report(pc.or_(is_true, is_false), "is not true/false (or yes/no, 1/0)")
        return _Column(pc.if_else(is_true, True, pc.if_else(is_false, False, None)), errors)
    if spec.type in ("datetime", "date"):
        dates = read_date_column(text, date_format, date_order, report, first_value)
        values = dates.values if spec.type == "datetime" else pc.cast(dates.values, pa.date32())
        return _Column(values, errors + dates.errors, dates=dates)
    raise ValueError(f"unknown field type {spec.type!r}")  # pragma: no cover - specs are code


_BELOW_ZERO = "is below zero; it must be zero or more"


def coerce_column(
    raw: pa.Array | pa.ChunkedArray,
    spec: FieldSpec,
    *,
    file: str,
    first_row: int = 2,
    date_format: str | None = None,
    numbers: NumberFormat | None = None,
) -> tuple[pa.Array, list[RowError]]:
    """Parse one text column to the spec's type; return it with every rejected value.

    A column read alone keeps no currency: a currency mark in a number is refused here
    (`coerce_columns` checks it against the row's currency instead)."""
    column = _coerce(
        raw,
        spec,
        file=file,
        first_row=first_row,
        date_format=None if date_format == "auto" else date_format,
        date_order=None,
        numbers=numbers or NumberFormat(),
    )
    if column.marks is not None:
        column.errors += _no_currency_here(column, spec, file, first_row, "this column")
    return column.values, column.errors


def _no_currency_here(
    column: _Column, spec: FieldSpec, file: str, first_row: int, holder: str
) -> list[RowError]:
    assert column.marks is not None
    marked = pc.indices_nonzero(pc.is_valid(column.marks)).to_pylist()
    column.values = pc.if_else(
        pc.is_valid(column.marks), pa.scalar(None, column.values.type), column.values
    )
    return [
        RowError(
            file,
            first_row + i,
            spec.name,
            column.text[i].as_py() if column.text is not None else None,
            f"has a currency ({column.marks[i].as_py()}), but {holder} keeps no currency; "
            "write the number alone",
        )
        for i in marked
    ]


# --- a table's columns together ----------------------------------------------------------


def coerce_columns(
    columns: Mapping[str, pa.Array | pa.ChunkedArray],
    fields: Sequence[FieldSpec],
    *,
    file: str,
    formats: ValueFormats | None = None,
    notes: list[str] | None = None,
    names: Mapping[str, str] | None = None,
    entity: str = "these records",
) -> tuple[dict[str, pa.Array], list[RowError]]:
    """Parse the text columns of one table (fields absent from `columns` are skipped).

    Rows in the errors are 0-based indices (the caller maps them to lines). `names`
    gives the column each field came from, for notes; `notes` collects how dates and
    numbers were read when that was detected or changed."""
    formats = formats or ValueFormats()
    names = names or {}
    typed: dict[str, pa.Array] = {}
    read: dict[str, _Column] = {}
    errors: list[RowError] = []
    present = [f for f in fields if f.name in columns]

    def one(spec: FieldSpec, order: str | None = None) -> _Column:
        return _coerce(
            columns[spec.name],
            spec,
            file=file,
            first_row=0,
            date_format=formats.date_format_of(spec.name),
            date_order=order,
            numbers=formats.numbers,
        )

    for spec in present:
        read[spec.name] = one(spec)
    # A column whose own values leave day and month open takes the order the other
    # date columns of the table settle, when they agree (one export, one locale).
    orders = {c.dates.order for c in read.values() if c.dates is not None and c.dates.order}
    if len(orders) == 1:
        settled = orders.pop()
        for spec in present:
            dates = read[spec.name].dates
            if dates is not None and dates.open_order:
                read[spec.name] = one(spec, settled)
    for spec in present:
        column = read[spec.name]
        errors += column.errors
        shown = names.get(spec.name, spec.name)
        if notes is not None:
            notes += [f"{shown}: {note}" for note in column.notes]
            if column.dates is not None and column.dates.read_as:
                notes.append(f"{shown}: dates read as {column.dates.read_as}")
        typed[spec.name] = column.values
    currency = next((f for f in fields if f.name == "currency"), None)
    marked = [s for s in present if read[s.name].marks is not None]
    for spec in marked:
        column = read[spec.name]
        assert column.marks is not None
        if currency is None:
            errors += _no_currency_here(column, spec, file, 0, entity)
            typed[spec.name] = column.values
            continue
        current = typed.get("currency", pa.nulls(len(column.values), pa.string()))
        checked = check_marks(column.values, column.marks, column.text, current)
        typed[spec.name] = checked.values
        typed["currency"] = checked.currency
        errors += [RowError(file, i, spec.name, cell, why) for i, cell, why in checked.refused]
        if checked.note and notes is not None:
            notes.append(f"{names.get(spec.name, spec.name)}: {checked.note}")
    return typed, errors


def today_utc() -> date:
    return datetime.now(UTC).date()
