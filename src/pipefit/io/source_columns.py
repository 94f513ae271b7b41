"""Column helpers shared by the readers of other layouts (Maven, Salesforce, HubSpot, mappings).

A reader turns source columns into text columns named as the native fields, then
`build_table` parses them with every bad value reported under the *source* column's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.io import dates
from pipefit.io.batch import FILE, ROW
from pipefit.io.dates import describe_shape, detect_shape, shape_format
from pipefit.io.errors import RowError
from pipefit.io.native import EntitySpec
from pipefit.io.numbers import NumberFormat
from pipefit.io.parsing import ARROW_TYPES, ValueFormats, coerce_columns

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
    """One date format for all these columns (an export's dates share its locale), judged
    from all their values: ISO 8601, or day and month in the order the values settle,
    with two- or four-digit years.

    Returns the strptime format of the date part and a description for the batch notes;
    the format is None when the columns are ISO 8601, do not share one format, or leave
    the order of day and month open: each column is then read (and refused when open) on
    its own.
    """
    chunks = [c.filter(pc.is_valid(c)) for c in columns if len(c)]
    values = pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())
    shape = detect_shape(values)
    if shape.kind in ("empty", "iso"):
        return None, "ISO 8601 (YYYY-MM-DD)"
    formats = shape_format(shape)
    if len(formats) != 1:
        return None, "per column (no one format fits every date)"
    why = "the year comes first" if shape.kind == "year_first" else shape.evidence
    return formats[0], f"{describe_shape(shape, formats)} (detected: {why})"


def human_format(fmt: str) -> str:
    """`%m/%d/%y %I:%M %p` -> `MM/DD/YY hh:mm AM/PM`, for messages."""
    return dates.human_format(fmt)


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
    formats: ValueFormats | None = None,
    notes: list[str] | None = None,
    numbers: NumberFormat | None = None,
) -> pa.Table:
    """A typed table of `spec` from columns named as its fields.

    Text columns are parsed (each bad value becomes a RowError naming the source column
    given in `origin`); columns already typed are only cast; absent fields are null.
    `rows` holds each row's line number in `file`. `formats` (or `date_format` and
    `numbers`) says how values are written where declared; `notes` gets how detected
    ones were read.
    """
    origin = origin or {}
    formats = formats or ValueFormats(date_format=date_format, numbers=numbers or NumberFormat())
    typed: dict[str, pa.Array] = {}
    text: dict[str, pa.Array] = {}
    for field in spec.fields:
        column = columns.get(field.name)
        if column is None:
            continue
        if pa.types.is_string(column.type):
            text[field.name] = column
        else:
            typed[field.name] = pc.cast(column, ARROW_TYPES[field.type])
    parsed, found = coerce_columns(
        text, spec.fields, file=file, formats=formats, notes=notes, names=origin, entity=spec.name
    )
    typed |= parsed
    errors.extend(
        replace(e, row=rows[e.row or 0].as_py(), column=origin.get(e.column or "", e.column))
        for e in found
    )
    for field in spec.fields:
        if field.name not in typed:
            typed[field.name] = pa.nulls(len(rows), ARROW_TYPES[field.type])
    typed = {field.name: typed[field.name] for field in spec.fields}
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
