"""A column of dates read as its values show (or as declared), for `parsing`: ISO 8601 in
one cast when it can, else the shape `dates.detect_shape` finds; a column whose order of
day and month is open is refused once, at its first value, with a hint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

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

__all__ = ["UTC_TIMES", "DateColumn", "read_date_column"]

UTC_TIMES = pa.timestamp("us", tz="UTC")

_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?$"
_ISO_ZONED = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})$"
_NULL_TEXT = pa.scalar(None, pa.string())


def _trimmed(column: pa.Array) -> pa.Array:
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), _NULL_TEXT, trimmed)


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


@dataclass
class DateColumn:
    """A column of dates as read, with its problems and how it was read."""

    values: pa.Array  # UTC timestamps
    errors: list[RowError]
    read_as: str | None = None  # how the column was read, for a note (None: ISO 8601)
    order: str | None = None  # the day/month order the column's own values settle
    open_order: bool = False  # no value settled the order (refused unless given one)


def _iso(
    text: pa.Array, report: Callable[[pa.Array, str], list[RowError]]
) -> tuple[pa.Array, list[RowError]]:
    target = UTC_TIMES
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


def read_date_column(
    text: pa.Array,
    declared: str | None,
    order: str | None,
    report: Callable[[pa.Array, str], list[RowError]],
    first_value: Callable[[], RowError],
) -> DateColumn:
    """Read a column of dates (text, blanks null): in the declared format, else as its
    values show, in `order` (day or month first) when they leave it open. `report` turns
    a mask of good values into errors; `first_value` names the first value, where a
    problem of the whole column is reported."""
    target = UTC_TIMES
    if declared:
        fmt = to_strptime(declared) or declared
        parsed = parse_dates(text, fmt)
        shown = human_format(fmt)
        return DateColumn(
            pc.assume_timezone(parsed, "UTC"),
            report(
                pc.is_valid(parsed),
                f"is not a date in the declared format {shown} (a time may follow)",
            ),
        )
    # A failed cast costs as much as a good one: try it only on what looks like ISO.
    if _looks_like(text, r"^\d{4}-\d{2}-\d{2}"):
        if (fast := _try_cast(text, target)) is not None:
            return DateColumn(fast, [])
        if (naive := _try_cast(text, pa.timestamp("us"))) is not None:
            return DateColumn(pc.assume_timezone(naive, "UTC"), [])
    text = _trimmed(text)
    shape = detect_shape(text)
    if shape.kind in ("empty", "iso"):
        values, errors = _iso(text, report)
        return DateColumn(values, errors)
    if shape.kind == "unknown":
        return DateColumn(
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
        return DateColumn(
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
    return DateColumn(
        pc.assume_timezone(parsed, "UTC"),
        report(pc.is_valid(parsed), f"is not a date like the rest of its column ({read_as})"),
        read_as=f"{read_as} (detected: {why})",
        order=shape.order if shape.kind == "numeric" else None,
    )
