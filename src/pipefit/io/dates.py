"""Dates as exports write them, read per column, exactly, or refused with a hint.

A column holds ISO 8601 dates (`2026-02-23`, `2026-02-23T20:55:00Z`) or numeric dates with
the day and month in either order (`23/02/2026`, `02/23/26`), with a two- or four-digit
year, each optionally followed by a time of day, 24-hour (`20:55`, `20:55:10`) or 12-hour
(`08:55 PM`). The order of day and month is read from the values (a number above 12 can
only be a day); when no value settles it, the column is refused unless a format is
declared. Formats are shown to people as `MM/DD/YY hh:mm AM/PM`, never as strptime codes,
and may be declared either way.

Everything here is vectorised (pyarrow.compute); Python runs only over values that failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "DAY_FIRST",
    "MONTH_FIRST",
    "Shape",
    "date_part",
    "describe_shape",
    "detect_shape",
    "human_format",
    "parse_dates",
    "shape_format",
    "to_strptime",
]

DAY_FIRST = "day first"
MONTH_FIRST = "month first"

_NULL_TEXT = pa.scalar(None, pa.string())

# --- formats for people ----------------------------------------------------------------

_TO_HUMAN = (
    ("%B", "MMMM"),
    ("%b", "MMM"),
    ("%Y", "YYYY"),
    ("%y", "YY"),
    ("%m", "MM"),
    ("%d", "DD"),
    ("%H", "HH"),
    ("%I", "hh"),
    ("%M", "mm"),
    ("%S", "ss"),
    ("%p", "AM/PM"),
)
_HUMAN_TOKEN = re.compile(
    r"AM/PM|A\.M\./P\.M\.|YYYY|YY|MMMM|MMM|MM|M|DD|D|HH|H|SS|S", re.IGNORECASE
)
_TIME_CODES = re.compile(r"[ T]?%[HIMSp].*$")


def human_format(fmt: str | None) -> str:
    """`%m/%d/%y %I:%M %p` -> `MM/DD/YY hh:mm AM/PM`; None (ISO 8601) -> `YYYY-MM-DD`."""
    if fmt is None:
        return "YYYY-MM-DD"
    for code, shown in _TO_HUMAN:
        fmt = fmt.replace(code, shown)
    return fmt


def to_strptime(fmt: str) -> str | None:
    """A declared format as strptime codes, or None when it cannot be used.

    Takes strptime (`%d/%m/%Y`) or the way people write formats (`DD/MM/YYYY`,
    `MM/DD/YY hh:mm AM/PM`, `yyyy-mm-dd HH:mm`): MM is the month, except right after an
    hour and a colon, where it is the minutes.
    """
    fmt = fmt.strip()
    if "%" not in fmt:
        human = _from_human(fmt)
        if human is None:
            return None
        fmt = human
    sample = datetime(2026, 3, 2, 14, 30, 5)
    try:
        datetime.strptime(sample.strftime(fmt), fmt)
    except ValueError:
        return None
    months = ("%m", "%b", "%B")
    if "%d" not in fmt or not any(c in fmt for c in months) or not any(c in fmt for c in "Yy"):
        return None
    return fmt


def _from_human(fmt: str) -> str | None:
    twelve = re.search(r"AM/PM|A\.M\./P\.M\.", fmt, re.IGNORECASE) is not None
    out: list[str] = []
    position = 0
    after_hour = False
    for token in _HUMAN_TOKEN.finditer(fmt):
        between = fmt[position : token.start()]
        if re.search(r"[A-Za-z%]", between):
            return None  # a letter that is no part of a format
        out.append(between)
        word = token.group().upper()
        if word in ("AM/PM", "A.M./P.M."):
            code = "%p"
        elif word in ("YYYY",):
            code = "%Y"
        elif word == "YY":
            code = "%y"
        elif word in ("MMMM", "MMM"):
            code = "%B" if word == "MMMM" else "%b"
        elif word in ("MM", "M"):
            code = "%M" if after_hour and between == ":" else "%m"
        elif word in ("DD", "D"):
            code = "%d"
        elif word in ("HH", "H"):
            code = "%I" if twelve else "%H"
        else:  # SS, S
            code = "%S"
        after_hour = code in ("%H", "%I", "%M")
        out.append(code)
        position = token.end()
    rest = fmt[position:]
    if re.search(r"[A-Za-z%]", rest):
        return None
    out.append(rest)
    return "".join(out)


def date_part(fmt: str) -> str:
    """The date part of a strptime format: a time after it is read whatever its style."""
    return _TIME_CODES.sub("", fmt).strip()


# --- reading ---------------------------------------------------------------------------

_TIMES = (
    # (values that end like this, strptime of the time, with a space before it)
    (r"\s\d{1,2}:\d{2}:\d{2} [AaPp][Mm]$", " %I:%M:%S %p"),
    (r"\s\d{1,2}:\d{2} [AaPp][Mm]$", " %I:%M %p"),
    (r"\s\d{1,2}:\d{2}:\d{2}$", " %H:%M:%S"),
    (r"\s\d{1,2}:\d{2}$", " %H:%M"),
)
_PATTERN_OF = {
    "%d": r"\d{1,2}",
    "%m": r"\d{1,2}",
    "%b": r"[A-Za-z]{3,9}",
    "%B": r"[A-Za-z]{3,9}",
    "%Y": r"\d{4}",
    "%y": r"\d{2}",
}


def _date_regex(fmt: str) -> str:
    """`%d/%m/%Y` -> a regex the date part of a value must match (`%Y` takes 4 digits:
    strptime would read `26` as the year 26)."""
    parts = re.split(r"(%[dmbBYy])", fmt)
    return "".join(_PATTERN_OF.get(p, re.escape(p)) for p in parts)


def _meridian(text: pa.Array) -> pa.Array:
    """`8:55pm`, `8:55 p.m.` -> `8:55 PM`."""
    return pc.replace_substring_regex(text, r"\s*([AaPp])\.?\s?([Mm])\.?$", " \\1\\2")


def _strict_strptime(text: pa.Array, fmt: str) -> pa.Array:
    """Naive timestamps, null where `text` is not a date in `fmt`."""
    parsed = pc.strptime(text, format=fmt, unit="us", error_is_null=True)
    # Arrow rolls impossible dates over: 31/02 becomes 03/03, 23:59:60 the next midnight.
    # Only such landing spots are printed back (strftime is slow); what does not read the
    # same (also unpadded values, 1/3/2022) is judged by Python's strptime.
    landed = pc.less_equal(pc.day(parsed), 3)
    if "%S" in fmt:
        midnight = pc.and_(pc.equal(pc.hour(parsed), 0), pc.equal(pc.minute(parsed), 0))
        landed = pc.or_(landed, midnight)
    check = pc.indices_nonzero(pc.fill_null(landed, False))
    if len(check) == 0:
        return parsed
    seconds = pc.cast(pc.take(parsed, check), pa.timestamp("s"), safe=False)  # %S: no .000000
    differs = pc.not_equal(pc.strftime(seconds, format=fmt), pc.take(text, check))
    suspect = pc.filter(check, differs).to_pylist()
    rejected = []
    for i in suspect:
        try:
            datetime.strptime(text[i].as_py(), fmt)
        except ValueError:
            rejected.append(i)
    if rejected:
        drop = pc.is_in(pa.array(range(len(text)), pa.int64()), pa.array(rejected, pa.int64()))
        parsed = pc.if_else(drop, pa.scalar(None, parsed.type), parsed)
    return parsed


def parse_dates(text: pa.Array, fmt: str) -> pa.Array:
    """Naive timestamps from dates in `fmt` (its date part), each with or without a time
    of day after it: 24-hour or 12-hour (AM/PM), with or without seconds.

    Null where a value is not such a date; impossible dates (31/02, 13:05 PM) are null too.
    """
    day = date_part(fmt)
    text = _meridian(text)
    if "%b" not in day and "%B" not in day:
        # Numbers written as strftime prints them (`2/3/26 8:05 pm` -> `02/03/26 08:05 PM`):
        # the check for rolled-over dates then compares them without Python.
        text = pc.utf8_upper(text)
        if pc.any(pc.match_substring_regex(text, r"\b\d\b")).as_py():
            text = pc.replace_substring_regex(text, r"\b(\d)\b", "0\\1")
    shaped = pc.match_substring_regex(text, f"^{_date_regex(day)}($|\\s)")
    text = pc.if_else(shaped, text, _NULL_TEXT)
    timed = pa.scalar(False)
    parsed = []
    for ending, time_format in _TIMES:
        has = pc.match_substring_regex(text, ending)
        parsed.append(_strict_strptime(pc.if_else(has, text, _NULL_TEXT), day + time_format))
        timed = pc.or_(timed, has)
    parsed.append(_strict_strptime(pc.if_else(timed, _NULL_TEXT, text), day))
    return pc.coalesce(*parsed)


# --- detecting -------------------------------------------------------------------------

_ISO_START = r"^\d{4}-\d{2}-\d{2}($|[ T])"
_YEAR_FIRST = r"^(?P<y>\d{4})(?P<s1>[/.-])(?P<a>\d{1,2})(?P<s2>[/.-])(?P<b>\d{1,2})(?:$|[ T])"
_NUMERIC = r"^(?P<a>\d{1,2})(?P<s1>[/.-])(?P<b>\d{1,2})(?P<s2>[/.-])(?P<y>\d{4}|\d{2})(?:$|\s)"
_TWELVE_HOUR = r"\d:\d{2}(:\d{2})?\s*[AaPp]\.?\s?[Mm]\.?$"
_TIME = r"\s\d{1,2}:\d{2}"


@dataclass(frozen=True)
class Shape:
    """What the dates of one column look like.

    `kind`: "empty" (no values), "iso", "numeric" (day and month first, in `order`, None
    when no value settles it), "year_first" (2026/02/23) or "unknown" (none of these).
    """

    kind: str
    order: str | None = None
    separator: str = "/"
    years: tuple[int, ...] = ()
    timed: bool = False
    twelve_hour: bool = False
    example: str | None = None
    evidence: str = ""

    @property
    def settled(self) -> bool:
        return self.kind != "numeric" or self.order is not None


def _count(mask: pa.Array) -> int:
    return int(pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0)


def detect_shape(text: pa.Array) -> Shape:
    """Judge a column (trimmed text, blanks null) from all its values at once."""
    values = text.filter(pc.is_valid(text))
    if len(values) == 0:
        return Shape("empty")
    iso = pc.match_substring_regex(values, _ISO_START)
    numeric = pc.match_substring_regex(values, _NUMERIC)
    year_first = pc.and_(pc.match_substring_regex(values, _YEAR_FIRST), pc.invert(iso))
    counts = {"iso": _count(iso), "numeric": _count(numeric), "year_first": _count(year_first)}
    kind = max(counts, key=lambda k: counts[k])
    if counts[kind] == 0:
        return Shape("unknown", example=values[0].as_py())
    timed = _count(pc.match_substring_regex(values, _TIME)) > 0
    twelve = _count(pc.match_substring_regex(values, _TWELVE_HOUR)) > 0
    if kind == "iso":
        return Shape("iso", timed=timed, example=values[0].as_py())
    pattern = _NUMERIC if kind == "numeric" else _YEAR_FIRST
    mask = numeric if kind == "numeric" else year_first
    parts = pc.extract_regex(values.filter(mask), pattern)
    separators = pc.value_counts(parts.field("s1"))
    separator = max(separators.to_pylist(), key=lambda c: c["counts"])["values"]
    years = tuple(sorted({len(y) for y in pc.unique(parts.field("y")).to_pylist()}))
    first = pc.cast(parts.field("a"), pa.int64())
    second = pc.cast(parts.field("b"), pa.int64())
    example = values.filter(mask)[0].as_py()
    shape = Shape(
        kind,
        separator=separator,
        years=years,
        timed=timed,
        twelve_hour=twelve,
        example=example,
    )
    if kind == "year_first":
        return replace(shape, order=MONTH_FIRST)
    day_first = pc.greater(first, 12)
    month_first = pc.greater(second, 12)
    n_day, n_month = _count(day_first), _count(month_first)
    if n_day == 0 and n_month == 0:
        return shape
    order = DAY_FIRST if n_day >= n_month else MONTH_FIRST
    proof = (values.filter(mask)).filter(day_first if order == DAY_FIRST else month_first)
    place = "first" if order == DAY_FIRST else "second"
    evidence = f"{proof[0].as_py()!r} has a day above 12 in the {place} place"
    return replace(shape, order=order, evidence=evidence)


def shape_format(shape: Shape, order: str | None = None) -> list[str]:
    """The strptime date formats of a shape (one per year width seen), in `order` when
    given (for a shape whose own values do not settle it)."""
    order = order or shape.order
    s = shape.separator
    if shape.kind == "year_first":
        return [f"%Y{s}%m{s}%d"]
    if shape.kind != "numeric" or order is None:
        return []
    codes = ("%d", "%m") if order == DAY_FIRST else ("%m", "%d")
    return [
        f"{codes[0]}{s}{codes[1]}{s}{'%Y' if width == 4 else '%y'}" for width in shape.years or (4,)
    ]


def describe_shape(shape: Shape, formats: list[str]) -> str:
    """`MM/DD/YY, with a time as hh:mm AM/PM` for notes and messages."""
    shown = " or ".join(human_format(f) for f in formats) if formats else "YYYY-MM-DD"
    if shape.timed:
        shown += ", with a time as hh:mm AM/PM" if shape.twelve_hour else ", with a time as HH:mm"
    return shown
