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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.io.dates import (
    DAY_FIRST,
    MONTH_FIRST,
    describe_shape,
    detect_shape,
    human_format,
    parse_dates,
    shape_format,
    to_strptime,
)
from pipefit.io.errors import RowError
from pipefit.io.numbers import DECIMAL, NumberFormat, currencies_of, read_numbers

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
    "datetime": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
}

_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$"
_ISO_ZONED = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$"
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


def _trimmed(column: pa.Array) -> pa.Array:
    return _blank_to_null(pc.utf8_trim_whitespace(column))


def _try_cast(text: pa.Array, target: pa.DataType) -> pa.Array | None:
    """The fast path: a clean column casts in one vectorised step."""
    try:
        return pc.cast(text, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _looks_like(text: pa.Array, pattern: str, sample: int = 1000) -> bool:
    """Whether the first values of a column (up to `sample` of them) all match."""
    head = text.slice(0, sample)
    head = head.filter(pc.is_valid(head))
    return bool(pc.all(pc.match_substring_regex(head, pattern)).as_py() is not False)


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


# --- dates -----------------------------------------------------------------------------


@dataclass
class _Dates:
    values: pa.Array  # UTC timestamps
    errors: list[RowError]
    read_as: str | None = None  # how the column was read, for a note (None: ISO 8601)
    order: str | None = None  # the day/month order the column's own values settle
    open_order: bool = False  # no value settled the order (refused unless given one)


def _iso(
    text: pa.Array, report: Callable[[pa.Array, str], list[RowError]]
) -> tuple[pa.Array, list[RowError]]:
    target = ARROW_TYPES["datetime"]
    zoned_fast = _try_cast(text, target)
    if zoned_fast is not None:
        return zoned_fast, []
    naive_fast = _try_cast(text, pa.timestamp("us"))
    if naive_fast is not None:
        return pc.assume_timezone(naive_fast, "UTC"), []
    text = _trimmed(text)
    naive = pc.match_substring_regex(text, _ISO_NAIVE)
    zoned = pc.match_substring_regex(text, _ISO_ZONED)
    try:
        as_naive = pc.cast(pc.if_else(naive, text, None), pa.timestamp("us"))
        as_zoned = pc.cast(pc.if_else(zoned, text, None), target)
        merged = pc.coalesce(pc.assume_timezone(as_naive, "UTC"), as_zoned)
        return merged, report(
            pc.or_(naive, zoned),
            "is not an ISO 8601 date/time (e.g. 2026-03-02 or 2026-03-02T14:30:00Z)",
        )
    except (pa.ArrowInvalid, ValueError):
        # Shaped like a date but impossible (2026-02-30): describe value by value.
        values: list[datetime | None] = []
        good: list[bool | None] = []
        for item in text.to_pylist():
            if item is None:
                values.append(None)
                good.append(None)
                continue
            try:
                parsed = datetime.fromisoformat(item.replace("Z", "+00:00"))
                values.append(
                    parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
                )
                good.append(True)
            except ValueError:
                values.append(None)
                good.append(False)
        return pa.array(values, target), report(
            pa.array(good, pa.bool_()), "is not a valid date/time"
        )


def _datetimes(
    text: pa.Array,
    declared: str | None,
    order: str | None,
    report: Callable[[pa.Array, str], list[RowError]],
    first_value: Callable[[], RowError],
) -> _Dates:
    """Read a column of dates: in the declared format, else as its values show."""
    target = ARROW_TYPES["datetime"]
    if declared:
        fmt = to_strptime(declared) or declared
        parsed = parse_dates(text, fmt)
        shown = human_format(fmt)
        return _Dates(
            pc.assume_timezone(parsed, "UTC"),
            report(
                pc.is_valid(parsed),
                f"is not a date in the declared format {shown} (a time may follow)",
            ),
        )
    # A failed cast costs as much as a good one: try it only on what looks like ISO.
    if _looks_like(text, r"^\d{4}-\d{2}-\d{2}"):
        if (fast := _try_cast(text, target)) is not None:
            return _Dates(fast, [])
        if (naive := _try_cast(text, pa.timestamp("us"))) is not None:
            return _Dates(pc.assume_timezone(naive, "UTC"), [])
    text = _trimmed(text)
    shape = detect_shape(text)
    if shape.kind in ("empty", "iso"):
        values, errors = _iso(text, report)
        return _Dates(values, errors)
    if shape.kind == "unknown":
        return _Dates(
            pa.nulls(len(text), target),
            report(
                pa.nulls(len(text), pa.bool_()),
                "is not a date pipefit can read (write e.g. 2026-02-23, 23/02/2026 or "
                "02/23/26 08:55 PM, or declare the date format)",
            ),
        )
    formats = shape_format(shape, order)
    if not formats:
        problem = first_value()
        options = " or ".join(
            human_format(shape_format(shape, way)[0]) for way in (DAY_FIRST, MONTH_FIRST)
        )
        message = (
            "the order of day and month cannot be told in this column: no value has a "
            f"number above 12 in either place; declare the date format ({options})"
        )
        return _Dates(
            pa.nulls(len(text), target),
            [RowError(problem.file, problem.row, problem.column, problem.value, message)],
            order=None,
            open_order=True,
        )
    parsed = pc.coalesce(*(parse_dates(text, f) for f in formats))
    read_as = describe_shape(shape, formats)
    if shape.kind == "year_first":
        why = "the year comes first"
    else:
        why = shape.evidence or "day and month in the order the other date columns show"
    return _Dates(
        pc.assume_timezone(parsed, "UTC"),
        report(pc.is_valid(parsed), f"is not a date like the rest of its column ({read_as})"),
        read_as=f"{read_as} (detected: {why})",
        order=shape.order if shape.kind == "numeric" else None,
    )


# --- one column ------------------------------------------------------------------------


@dataclass
class _Column:
    values: pa.Array
    errors: list[RowError]
    marks: pa.Array | None = None  # currency marks written in the cells of an amount
    text: pa.Array | None = None  # the cells, for messages about the marks
    notes: list[str] = field(default_factory=list)
    dates: _Dates | None = None


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
        dates = _datetimes(text, date_format, date_order, report, first_value)
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
        if currency is None:
            errors += _no_currency_here(read[spec.name], spec, file, 0, entity)
            typed[spec.name] = read[spec.name].values
            continue
        current = typed.get("currency")
        if current is None:
            count = len(read[spec.name].values)
            current = pa.nulls(count, pa.string())
        checked, filled, found, note = _check_currency(read[spec.name], current)
        typed[spec.name] = checked
        typed["currency"] = filled
        errors += [RowError(file, i, spec.name, value, message) for i, value, message in found]
        if note and notes is not None:
            notes.append(f"{names.get(spec.name, spec.name)}: {note}")
    return typed, errors


def _check_currency(
    column: _Column, currency: pa.Array | pa.ChunkedArray
) -> tuple[pa.Array, pa.Array, list[tuple[int, str, str]], str | None]:
    """An amount's currency marks against the row's currency: a mark that contradicts
    it is refused; where the row gives none, the mark's currency is taken."""
    assert column.marks is not None
    if isinstance(currency, pa.ChunkedArray):
        currency = currency.combine_chunks()
    given = pc.utf8_upper(pc.utf8_trim_whitespace(currency))
    marks = column.marks
    pairs = pa.table({"m": marks, "c": given}).filter(pc.is_valid(marks))
    distinct = pairs.group_by(["m", "c"]).aggregate([]).to_pylist()
    wrong: list[str] = []
    implied: dict[str, str] = {}
    guessed: dict[str, tuple[str, ...]] = {}
    for pair in distinct:
        options = currencies_of(pair["m"])
        if pair["c"] is None:
            implied[pair["m"]] = options[0]
            if len(options) > 1:
                guessed[pair["m"]] = options
        elif pair["c"] not in options:
            wrong.append(f"{pair['m']}\x1f{pair['c']}")
    key = pc.binary_join_element_wise(marks, pc.fill_null(given, ""), "\x1f")
    bad = pc.fill_null(pc.is_in(key, value_set=pa.array(wrong, pa.string())), False)
    cells = column.text if column.text is not None else marks
    found = [
        (
            i,
            str(cells[i].as_py()),
            f"says {marks[i].as_py()}, but the row's currency is {given[i].as_py()}",
        )
        for i in pc.indices_nonzero(bad).to_pylist()
    ]
    values = pc.if_else(bad, pa.scalar(None, column.values.type), column.values)
    taken = pc.take(
        pa.array(list(implied.values()), pa.string()),
        pc.index_in(marks, value_set=pa.array(list(implied), pa.string())),
    )
    filled = pc.if_else(pc.is_valid(currency), currency, taken)
    note = None
    if guessed:
        count = int(
            pc.sum(
                pc.cast(
                    pc.and_(
                        pc.is_null(currency),
                        pc.is_in(marks, value_set=pa.array(list(guessed), pa.string())),
                    ),
                    pa.int64(),
                )
            ).as_py()
            or 0
        )
        signs = ", ".join(f"{m} as {options[0]}" for m, options in guessed.items())
        note = (
            f"{count} amounts carry a currency sign but the row gives no currency: read "
            f"{signs}; give the currency if another is meant"
        )
    return values, filled, found, note


def today_utc() -> date:
    return datetime.now(UTC).date()
