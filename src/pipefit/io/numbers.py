"""Numbers as people and CRMs write them: read exactly, or refused with the reason.

`1234.50`, `1,234.50`, `1.234,50`, `1 234,50`, `1'234.50`, `$1,200`, `1 200 €`,
`EUR 1200`, `(1,200)`. The decimal separator is read per column from the values that
settle it (`12,50` and `1.234,50` can only mean a decimal comma; `1,234.50` a decimal
point) or taken as declared; a value that could be read two ways (`1,234`: 1234 or
1.234) with nothing to settle it is refused, as are malformed digit groups (`1,2,3`).
A currency sign or code is returned beside the number for the caller to check against
the row's currency; it is never dropped silently.

A clean column (`1234.5`) casts in one vectorised step; the rest is vectorised too, and
Python runs only over distinct currency marks and over values that failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.io.currencies import MARK as _MARK
from pipefit.io.currencies import currencies_of

__all__ = [
    "DECIMAL",
    "MAX_DECIMAL_DIGITS",
    "SEPARATORS",
    "NumberColumn",
    "NumberFormat",
    "read_numbers",
]

DECIMAL = pa.decimal128(18, 4)
MAX_DECIMAL_DIGITS = 14  # 18 digits, 4 of them after the point
MAX_WHOLE_DIGITS = 18  # int64 holds every 18-digit number
SEPARATORS = (".", ",", " ", "'")
_SHOWN = {".": "'.'", ",": "','", " ": "a space", "'": "an apostrophe", "": "none"}

_NULL_TEXT = pa.scalar(None, pa.string())
_CELL = (
    r"^(?P<open>\()?\s*(?P<sign>[-+\x{2212}])?\s*(?P<pre>" + _MARK + r")?\s*"
    r"(?P<sign2>[-+\x{2212}])?\s*"
    r"(?P<body>[0-9][0-9.,' \x{00A0}\x{202F}]*[0-9]|[0-9]|[.,][0-9]+)\s*"
    r"(?P<post>" + _MARK + r")?\s*(?P<trail>-)?\s*(?P<close>\))?$"
)
_CLASS = {".": r"[.]", ",": r"[,]", " ": r"[ ]", "'": r"[']"}
_AMBIGUOUS = r"^[1-9]\d{0,2}[.,]\d{3}$"


@dataclass(frozen=True)
class NumberFormat:
    """How a file writes numbers. None: detected per column from the values.

    `thousands` "" means no thousands separator at all."""

    decimal: str | None = None
    thousands: str | None = None

    @property
    def declared(self) -> bool:
        return self.decimal is not None or self.thousands is not None

    def problem(self) -> tuple[str, str] | None:
        """(the key at fault, why) when the declaration cannot be used."""
        if self.decimal is not None and self.decimal not in (".", ","):
            return "decimal", 'must be "." or ","'
        if self.thousands is not None and self.thousands not in (*SEPARATORS, ""):
            return "thousands", 'must be ",", ".", " ", "\'" or "" (none)'
        if self.decimal is not None and self.decimal == self.thousands:
            return "thousands", "must differ from the decimal separator"
        return None

    def decimal_mark(self) -> str | None:
        """The declared decimal separator, or the one a declared thousands one implies."""
        if self.decimal is not None:
            return self.decimal
        if self.thousands == ",":
            return "."
        if self.thousands == ".":
            return ","
        return None

    def groupings(self, decimal: str) -> tuple[str, ...]:
        """The thousands separators a value may use beside `decimal`."""
        if self.thousands is not None:
            return (self.thousands,) if self.thousands else ()
        return tuple(s for s in SEPARATORS if s != decimal)

    def describe(self) -> str:
        parts = []
        if (mark := self.decimal_mark()) is not None:
            parts.append(f"decimal {_SHOWN[mark]}")
        if self.thousands is not None:
            parts.append(f"thousands {_SHOWN[self.thousands]}")
        return " and ".join(parts)


@dataclass
class NumberColumn:
    """Numbers read from a text column: values (null where refused), the currency mark
    written in each cell (`$`, `EUR`, null where none), and what went wrong by index."""

    values: pa.Array
    marks: pa.Array | None = None
    errors: list[tuple[int, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _count(mask: pa.Array) -> int:
    return int(pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0)


def _valid(decimal: str, groupings: tuple[str, ...]) -> str:
    """A regex for the digits of a number with `decimal` and one of `groupings`."""
    groups = "".join(f"|[1-9]\\d{{0,2}}(?:{_CLASS[g]}\\d{{3}})+" for g in groupings)
    mark = _CLASS[decimal]
    return f"^(?:(?:\\d+{groups})(?:{mark}\\d+)?|{mark}\\d+)$"


def _normalise(body: pa.Array, decimal: str | None) -> pa.Array:
    """Digits with `.` as the decimal point: separators other than `decimal` go (all of
    them when None). Literal replacements, skipped for separators no value holds."""
    for separator in SEPARATORS:
        if separator != decimal and pc.any(pc.match_substring(body, separator)).as_py():
            body = pc.replace_substring(body, separator, "")
    return pc.replace_substring(body, ",", ".") if decimal == "," else body


def _indices(mask: pa.Array) -> list[int]:
    return pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()  # type: ignore[no-any-return]


def _fast(text: pa.Array, *, whole: bool, signed: bool, fmt: NumberFormat) -> NumberColumn | None:
    """A column of plain numbers (`1234.5`, `-3`) in one cast; None when it needs more."""
    if fmt.decimal_mark() not in (None, ".") or fmt.thousands not in (None, ","):
        return None
    # A failed cast costs as much as a good one: try it only when the first values are
    # plain numbers.
    head = text.slice(0, 1000)
    head = head.filter(pc.is_valid(head))
    if pc.all(pc.match_substring_regex(head, r"^[+-]?[0-9]*\.?[0-9]+$")).as_py() is False:
        return None
    try:
        values = pc.cast(text, pa.int64() if whole else DECIMAL)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if not whole and fmt.decimal_mark() is None:
        # `1.234` casts, but could be 1234 written with a dot for thousands: only another
        # value with a decimal point settles it.
        doubtful = pc.match_substring_regex(text, r"^[+-]?[1-9]\d{0,2}\.\d{3}$")
        if _count(doubtful) and not _count(
            pc.and_(pc.match_substring_regex(text, r"\."), pc.invert(doubtful))
        ):
            return None
    column = NumberColumn(values)
    if not signed:
        # A literal test on the text is cheaper than comparing decimals; `-0` is not below.
        minus = _indices(pc.starts_with(text, "-"))
        if minus:
            below = pc.less(pc.take(values, pa.array(minus, pa.int64())), 0)
            column.errors += [(minus[i], _BELOW_ZERO) for i in _indices(below)]
    return column


_BELOW_ZERO = "is below zero; it must be zero or more"


@dataclass
class _Cells:
    """Cells split into sign, currency mark and the digits with their separators."""

    body: pa.Array  # digits and separators, null where the cell is not a number
    negative: pa.Array | None  # bool; None: no cell has a sign
    marks: pa.Array | None  # the currency mark of each cell; None: no cell has one


def _split(text: pa.Array, refuse: Callable[[pa.Array, str], None], noun: str) -> _Cells:
    # Most columns hold bare digits and separators: only the other cells go through
    # the full pattern (signs, brackets, currency marks), which is several times slower.
    bare = pc.match_substring_regex(text, r"^(?:[0-9][0-9.,' ]*[0-9]|[0-9]|[.,][0-9]+)$")
    others = pc.and_(pc.is_valid(text), pc.invert(pc.fill_null(bare, False)))
    if not _count(others):
        return _Cells(text, None, None)
    parts = pc.extract_regex(pc.if_else(others, text, _NULL_TEXT), _CELL)
    shaped = pc.is_valid(parts)
    refuse(pc.and_(others, pc.invert(shaped)), f"is not {noun}")
    field_of = {name: pc.fill_null(parts.field(name), "") for name in parts.type.names}

    def given(name: str, *values: str) -> pa.Array:
        if not values:
            return pc.not_equal(field_of[name], "")
        return pc.is_in(field_of[name], value_set=pa.array(values, pa.string()))

    refuse(pc.and_(given("pre"), given("post")), f"is not {noun}: it has two currency marks")
    refuse(pc.xor(given("open"), given("close")), f"is not {noun}: a bracket is not closed")
    minus = (
        given("sign", "-", "\u2212"),
        given("sign2", "-", "\u2212"),
        given("trail", "-"),
        pc.and_(given("open"), given("close")),
    )
    signs = pc.add(
        pc.add(pc.cast(minus[0], pa.int8()), pc.cast(minus[1], pa.int8())),
        pc.add(pc.cast(minus[2], pa.int8()), pc.cast(minus[3], pa.int8())),
    )
    plus = pc.or_(given("sign", "+"), given("sign2", "+"))
    refuse(
        pc.or_(pc.greater(signs, 1), pc.and_(plus, pc.greater(signs, 0))),
        f"is not {noun}: it has more than one sign",
    )
    marks = pc.if_else(given("pre"), field_of["pre"], field_of["post"])
    marks = pc.if_else(pc.equal(marks, ""), _NULL_TEXT, marks)
    for mark in pc.unique(marks.filter(pc.is_valid(marks))).to_pylist():
        if not currencies_of(mark):
            refuse(
                pc.equal(marks, mark),
                f"is not {noun}: {mark!r} is not a currency code or sign pipefit knows",
            )
    spaced = pc.replace_substring_regex(field_of["body"], "[\u00a0\u202f]", " ")
    body = pc.if_else(pc.fill_null(bare, False), text, pc.if_else(shaped, spaced, _NULL_TEXT))
    return _Cells(
        body,
        pc.fill_null(pc.greater(signs, 0), False),
        marks if _count(pc.is_valid(marks)) else None,
    )


def _decimal_mark(
    body: pa.Array, text: pa.Array, fmt: NumberFormat, refuse: Callable[[pa.Array, str], None]
) -> tuple[str | None, pa.Array, pa.Array]:
    """The column's decimal separator (declared, or settled by the values that allow only
    one) and which values read with a point and with a comma."""
    decimal = fmt.decimal_mark()
    if decimal is not None:
        valid = pc.match_substring_regex(body, _valid(decimal, fmt.groupings(decimal)))
        return decimal, valid, valid
    by_point = pc.match_substring_regex(body, _valid(".", fmt.groupings(".")))
    by_comma = pc.match_substring_regex(body, _valid(",", fmt.groupings(",")))
    points = pc.and_(by_point, pc.invert(by_comma))
    commas = pc.and_(by_comma, pc.invert(by_point))
    n_points, n_commas = _count(points), _count(commas)
    if n_points and n_commas:
        decimal = "." if n_points >= n_commas else ","
        other, odd, usual = (
            ("a decimal point", commas, points)
            if decimal == "."
            else ("a decimal comma", points, commas)
        )
        example = text.filter(pc.fill_null(usual, False))[0].as_py()
        refuse(
            odd,
            f"is written differently from the rest of the column, which uses {other} "
            f"(as in {example!r}); declare the number format",
        )
    elif n_points:
        decimal = "."
    elif n_commas:
        decimal = ","
    return decimal, by_point, by_comma


def read_numbers(
    text: pa.Array, *, whole: bool, signed: bool = False, fmt: NumberFormat | None = None
) -> NumberColumn:
    """Read a column of text (blanks null) as whole numbers or exact decimals (18,4)."""
    fmt = fmt or NumberFormat()
    fast = _fast(text, whole=whole, signed=signed, fmt=fmt)
    if fast is not None:
        return fast
    text = pc.utf8_trim_whitespace(text)
    errors: dict[int, str] = {}

    def refuse(mask: pa.Array, message: str) -> None:
        for i in _indices(mask):
            errors.setdefault(i, message)

    noun = "a whole number" if whole else "a number"
    cells = _split(text, refuse, noun)
    body = cells.body
    decimal, by_point, by_comma = _decimal_mark(body, text, fmt, refuse)
    if decimal is None:
        if not whole:
            refuse(
                pc.match_substring_regex(body, _AMBIGUOUS),
                "could be read two ways (a thousands separator or a decimal one) and no "
                "other value in the column settles which; declare the decimal separator",
            )
        readable = pc.or_(by_point, by_comma)
        # Nothing in the column has a decimal part: separators can only group thousands.
        digits = _normalise(body, None)
    else:
        readable = by_point if decimal == "." else by_comma
        digits = _normalise(body, decimal)
    readable = pc.fill_null(readable, False)
    if fmt.declared:
        why = f"is not {noun} written with {fmt.describe()}"
    elif decimal is None:
        why = f"is not {noun}"
    else:
        mark = "point" if decimal == "." else "comma"
        why = f"is not {noun} with a decimal {mark} like the rest of the column"
    refuse(
        pc.and_(pc.is_valid(body), pc.invert(readable)),
        f"{why}: its digit groups are neither thousands (1,234,567) nor a decimal part",
    )
    digits = pc.if_else(readable, digits, _NULL_TEXT)

    # Size and precision, on the text, before any cast can overflow.
    most = MAX_WHOLE_DIGITS if whole else MAX_DECIMAL_DIGITS
    refuse(
        pc.match_substring_regex(digits, f"^0*[1-9]\\d{{{most},}}"),
        f"is too large (at most {int('9' * most):,}{'' if whole else '.9999'})",
    )
    if whole:
        refuse(pc.match_substring_regex(digits, r"\.\d*[1-9]"), "is not a whole number")
    if errors:
        bad = pa.array(sorted(errors), pa.int64())
        keep = pc.invert(pc.is_in(pa.array(range(len(text)), pa.int64()), value_set=bad))
        digits = pc.if_else(keep, digits, _NULL_TEXT)
    else:
        keep = pc.is_valid(digits)
    if cells.negative is not None:
        digits = pc.if_else(cells.negative, pc.binary_join_element_wise("-", digits, ""), digits)
    notes: list[str] = []
    values: pa.Array
    if whole:
        values = pc.cast(pc.replace_substring_regex(digits, r"\..*$", ""), pa.int64())
    elif _count(long := pc.match_substring_regex(digits, r"\.\d{5}")):
        # Beyond 20 places nothing changes the value rounded to 4.
        cut = pc.replace_substring_regex(digits, r"(\.\d{20})\d+$", "\\1")
        exact = pc.round(pc.cast(cut, pa.decimal128(38, 20)), ndigits=4, round_mode="half_to_even")
        top = pa.scalar(Decimal("9" * MAX_DECIMAL_DIGITS + ".9999"), exact.type)
        over = pc.greater(pc.abs(exact), top)
        refuse(over, f"is too large (at most {int('9' * MAX_DECIMAL_DIGITS):,}.9999)")
        values = pc.cast(pc.if_else(over, pa.scalar(None, exact.type), exact), DECIMAL)
        rounded = pc.and_(pc.and_(keep, long), pc.match_substring_regex(digits, r"\.\d{4}\d*[1-9]"))
        if (count := _count(rounded)) > 0:
            first = _indices(rounded)[0]
            notes.append(
                f"{count} values have more than 4 decimal places and were rounded to 4 "
                f"(e.g. {text[first].as_py()!r} -> {values[first].as_py()})"
            )
    else:
        values = pc.cast(digits, DECIMAL)
    if not signed and cells.negative is not None:
        below = pc.and_(keep, cells.negative)
        refuse(below, _BELOW_ZERO)
        values = pc.if_else(below, pa.scalar(None, values.type), values)
    marks = cells.marks
    if marks is not None and errors:
        # A refused cell's mark says nothing more about its row.
        marks = pc.if_else(keep, marks, _NULL_TEXT)
        marks = marks if _count(pc.is_valid(marks)) else None
    column = NumberColumn(values, marks, notes=notes)
    column.errors = sorted(errors.items())
    return column
