"""Column helpers shared by the readers of other layouts (Maven, Salesforce, HubSpot, mappings).

A reader turns source columns into text columns named as the native fields, then
`build_table` parses them with every bad value reported under the *source* column's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.io.batch import FILE, ROW
from pipefit.io.errors import RowError
from pipefit.io.native import EntitySpec
from pipefit.io.parsing import ARROW_TYPES, FieldSpec, coerce_column, parse_declared_format

__all__ = [
    "at_lines",
    "build_table",
    "count_true",
    "detect_date_format",
    "first_of_each",
    "line_numbers",
    "rename_values",
    "sequence_events",
    "slugs",
    "text_column",
]


def count_true(mask: pa.Array | pa.ChunkedArray) -> int:
    """How many rows a boolean mask selects (nulls count as false)."""
    return int(pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0)


NULL_TEXT = pa.scalar(None, pa.string())


def text_column(raw: pa.Table, name: str) -> pa.Array:
    """A source column as trimmed text, blank cells as nulls."""
    column = raw[name].combine_chunks()
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), NULL_TEXT, trimmed)


def slugs(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`Gekko & Co` -> `gekko-co`: lower case, each run of other characters one dash."""
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(column))
    dashed = pc.utf8_trim(pc.replace_substring_regex(lowered, r"[^\p{L}\p{N}]+", "-"), "-")
    return pc.if_else(pc.equal(dashed, ""), NULL_TEXT, dashed)


def line_numbers(raw: pa.Table) -> pa.Array:
    """The line each row of a file starts on (the header is line 1): the column ROW that
    `csv_files.read_text_table` adds, else counted as if each row took one line."""
    if ROW in raw.column_names:
        return raw[ROW].combine_chunks()
    return pa.array(range(2, 2 + raw.num_rows), pa.int64())


def at_lines(errors: Sequence[RowError], rows: pa.Array) -> list[RowError]:
    """Problems found with rows counted from 0 (`first_row=0`), moved to their lines."""
    lines = rows.to_numpy()
    return [e if e.row is None else replace(e, row=int(lines[e.row])) for e in errors]


def rename_values(column: pa.Array, renames: Mapping[str, str]) -> pa.Array:
    """Replace whole values, ignoring case; a value renamed to "" becomes empty (null)."""
    if not renames:
        return column
    table: dict[str, str | None] = {}
    for old, new in renames.items():
        table.setdefault(old.strip().lower(), new.strip() or None)
    keys = pa.array(list(table), pa.string())
    idx = pc.index_in(pc.utf8_lower(column), value_set=keys)
    replaced = pc.take(pa.array(list(table.values()), pa.string()), idx)
    return pc.if_else(pc.is_valid(idx), replaced, column)


def first_of_each(keys: pa.Array) -> pa.Array:
    """Indices of the first row holding each distinct non-null key, in file order."""
    rows = pa.table({"k": keys, "i": pa.array(range(len(keys)), pa.int64())})
    rows = rows.filter(pc.is_valid(rows["k"]))
    first = rows.group_by("k").aggregate([("i", "min")])["i_min"]
    return pc.take(first, pc.sort_indices(first))


# --- dates -----------------------------------------------------------------------------


def detect_date_format(columns: Sequence[pa.Array]) -> tuple[str | None, str]:
    """ISO 8601, or day-first vs month-first numeric dates, judged from all the values.

    Returns the strptime format of the date part (None for ISO) and a description for
    the batch notes. With no day above 12 anywhere, day-first is assumed and said so.
    """
    chunks = [c.filter(pc.is_valid(c)) for c in columns if len(c)]
    values = pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())
    if len(values) == 0 or pc.all(pc.match_substring_regex(values, r"^\d{4}-\d")).as_py():
        return None, "ISO 8601 (yyyy-mm-dd)"
    parts = pc.extract_regex(values, r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})[/.-]\d{4}")
    found = parts.filter(pc.is_valid(parts))
    if len(found) == 0:
        return None, "ISO 8601 (no dd/mm/yyyy or mm/dd/yyyy values seen)"
    sep = found.field("sep")[0].as_py()
    first = pc.max(pc.cast(found.field("a"), pa.int64())).as_py()
    second = pc.max(pc.cast(found.field("b"), pa.int64())).as_py()
    if second > 12 and first <= 12:
        return f"%m{sep}%d{sep}%Y", f"mm{sep}dd{sep}yyyy (detected: a month-first day above 12)"
    if first > 12:
        return f"%d{sep}%m{sep}%Y", f"dd{sep}mm{sep}yyyy (detected: a day above 12 comes first)"
    return f"%d{sep}%m{sep}%Y", f"dd{sep}mm{sep}yyyy (assumed: no value has a day above 12)"


def human_format(fmt: str) -> str:
    """`%d/%m/%Y %H:%M` -> `dd/mm/yyyy HH:MM`, for messages."""
    for code, shown in (
        ("%d", "dd"),
        ("%m", "mm"),
        ("%Y", "yyyy"),
        ("%y", "yy"),
        ("%H", "HH"),
        ("%M", "MM"),
        ("%S", "SS"),
    ):
        fmt = fmt.replace(code, shown)
    return fmt


def _dates(
    text: pa.Array, field: FieldSpec, fmt: str, *, file: str, first_row: int
) -> tuple[pa.Array, list[RowError]]:
    """Dates in a declared format, with or without a time of day (`HH:MM[:SS]`)."""
    parsed = parse_declared_format(text, fmt)
    bad = pc.and_(pc.is_valid(text), pc.is_null(parsed))
    message = f"is not a date in the format {human_format(fmt)} (optionally with HH:MM)"
    errors = [
        RowError(file, first_row + i, field.name, text[i].as_py(), message)
        for i in pc.indices_nonzero(bad).to_pylist()
    ]
    if field.required:
        errors += [
            RowError(file, first_row + i, field.name, None, "is required but empty")
            for i in pc.indices_nonzero(pc.is_null(text)).to_pylist()
        ]
    stamps = pc.assume_timezone(parsed, "UTC")
    return (pc.cast(stamps, pa.date32()) if field.type == "date" else stamps), errors


# --- tables ----------------------------------------------------------------------------


def build_table(
    spec: EntitySpec,
    columns: Mapping[str, pa.Array],
    *,
    rows: pa.Array,
    file: str,
    errors: list[RowError],
    date_format: str | None = None,
    origin: Mapping[str, str] | None = None,
) -> pa.Table:
    """A typed table of `spec` from columns named as its fields.

    Text columns are parsed (each bad value becomes a RowError naming the source column
    given in `origin`); columns already typed are only cast; absent fields are null.
    `rows` holds each row's line number in `file`.
    """
    origin = origin or {}
    typed: dict[str, pa.Array] = {}
    for field in spec.fields:
        target = ARROW_TYPES[field.type]
        column = columns.get(field.name)
        if column is None:
            typed[field.name] = pa.nulls(len(rows), target)
            continue
        if not pa.types.is_string(column.type):
            typed[field.name] = pc.cast(column, target)
            continue
        if field.type in ("date", "datetime") and date_format:
            parsed, found = _dates(column, field, date_format, file=file, first_row=0)
        else:
            parsed, found = coerce_column(column, field, file=file, first_row=0)
        typed[field.name] = parsed
        errors.extend(
            replace(e, row=rows[e.row or 0].as_py(), column=origin.get(field.name, field.name))
            for e in found
        )
    typed[ROW] = rows
    typed[FILE] = pa.repeat(pa.scalar(file, pa.string()), len(rows))
    return pa.table(typed)


def sequence_events(events: pa.Table, ties: Sequence[str] = (ROW,)) -> pa.Table:
    """Order each opportunity's events by time (`ties` break equal times), number them
    1, 2, ... and set each event's `from_stage` to the stage the previous one entered."""
    if events.num_rows == 0:
        return events
    keys = [("opportunity_id", "ascending"), ("at", "ascending")]
    order = pc.sort_indices(events, sort_keys=keys + [(t, "ascending") for t in ties])
    ordered = events.take(order)
    ids = ordered["opportunity_id"].combine_chunks()
    to_stage = ordered["to_stage"].combine_chunks()
    count = len(ids)
    changed = pc.not_equal(ids[1:], ids[:-1]) if count > 1 else pa.array([], pa.bool_())
    starts = pa.concat_arrays([pa.array([True]), pc.fill_null(changed, True)])
    positions = pa.array(range(count), pa.int64())
    first = pc.fill_null_forward(pc.if_else(starts, positions, pa.scalar(None, pa.int64())))
    previous = pa.concat_arrays([pa.nulls(1, pa.string()), to_stage[:-1]])
    ordered = ordered.set_column(
        ordered.column_names.index("seq"), "seq", pc.add(pc.subtract(positions, first), 1)
    )
    return ordered.set_column(
        ordered.column_names.index("from_stage"),
        "from_stage",
        pc.if_else(starts, NULL_TEXT, previous),
    )
