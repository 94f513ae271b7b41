"""Any table of leads as model input: numbers and categories, cleaned the same way for all.

CRM exports are messy: `Select` means "not chosen", `Google` and `google` are one source,
blanks and `N/A` are missing, identifiers and dates are not features. Every model and
baseline reads the same cleaned frame, so a comparison between them is fair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.errors import PipefitError

__all__ = [
    "MISSING",
    "OTHER",
    "CategorySpec",
    "Excluded",
    "Frame",
    "FrameSpec",
    "NumberSpec",
    "clean_text",
    "plan_columns",
]

# Values that mean "nobody filled this in". `Select` (and "Select a country") is what a
# web form stores when the visitor left the drop-down alone.
PLACEHOLDERS = ("", "select", "nan", "null", "none", "n/a", "na", "#n/a", "-", "?", "(blank)")
MISSING, OTHER = 0, 1  # category codes; a column's own levels start at 2
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_MAX_LEVELS = 200  # the commonest levels kept per category; the rest are "(other)"
_MIN_LEVEL_ROWS = 5
_BINS = 10


@dataclass(frozen=True)
class Excluded:
    name: str
    why: str


def clean_text(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Trimmed, lower-case text with placeholders as nulls."""
    text = pc.utf8_lower(pc.utf8_trim_whitespace(pc.cast(column, pa.string())))
    placeholder = pc.or_(
        pc.is_in(text, value_set=pa.array(PLACEHOLDERS)),
        pc.starts_with(text, "select "),
    )
    return pc.if_else(pc.fill_null(placeholder, True), pa.scalar(None, pa.string()), text)


def _as_number(text: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array | None:
    """Text that is (almost) all numbers, as float64; None when it is not numeric."""
    stripped = pc.replace_substring_regex(text, r"[%$€£,\s]", "")
    present = int(pc.sum(pc.is_valid(stripped)).as_py() or 0)
    if present == 0:
        return None
    numeric = pc.match_substring_regex(stripped, _NUMBER.pattern)
    hits = int(pc.sum(pc.cast(pc.fill_null(numeric, False), pa.int64())).as_py() or 0)
    if hits < 0.98 * present:
        return None
    kept = pc.if_else(numeric, stripped, pa.scalar(None, pa.string()))
    return pc.cast(kept, pa.float64())


def _numbers(column: pa.ChunkedArray) -> np.ndarray | None:
    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        floats = pc.cast(column, pa.float64())
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        parsed = _as_number(clean_text(column))
        if parsed is None:
            return None
        floats = parsed
    else:
        return None
    return np.asarray(pc.fill_null(floats, np.nan).to_numpy(zero_copy_only=False), np.float64)


def plan_columns(
    table: pa.Table, *, target: str | None, exclude: list[str]
) -> tuple[list[str], list[str], list[Excluded]]:
    """Sort columns into numbers and categories; say why the others are left out."""
    numbers: list[str] = []
    categories: list[str] = []
    excluded: list[Excluded] = []
    wanted_out = {e.casefold() for e in exclude}
    rows = table.num_rows
    for name in table.column_names:
        column = table[name]
        if name == target:
            continue
        if name.casefold() in wanted_out:
            excluded.append(Excluded(name, "excluded as asked (--exclude)"))
            continue
        kind = column.type
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind) or pa.types.is_time(kind):
            excluded.append(Excluded(name, "a date or time: used for ordering, not as a feature"))
            continue
        values = _numbers(column)
        if values is not None:
            present = values[~np.isnan(values)]
            distinct = len(np.unique(present))
            integral = bool(np.all(present == np.round(present))) if len(present) else False
            if distinct <= 1 and len(present) in (0, rows):
                excluded.append(Excluded(name, "the same value in every row"))
            elif integral and rows >= 50 and distinct >= 0.99 * rows:
                excluded.append(Excluded(name, "an identifier (a different number in every row)"))
            else:
                numbers.append(name)
            continue
        text = clean_text(column)
        distinct = pc.count_distinct(text, mode="only_valid").as_py() or 0
        present = rows - text.null_count
        if distinct == 0 or (distinct == 1 and present == rows):
            excluded.append(Excluded(name, "the same value in every row"))
        elif rows >= 50 and distinct >= 0.9 * present and distinct > _MAX_LEVELS:
            excluded.append(Excluded(name, "an identifier (a different value in every row)"))
        else:
            categories.append(name)
    missing = [e for e in exclude if e.casefold() not in {n.casefold() for n in table.column_names}]
    if missing:
        raise PipefitError(
            f"--exclude names no column: {', '.join(missing)}; columns are: "
            + ", ".join(table.column_names)
        )
    return numbers, categories, excluded


@dataclass(frozen=True)
class NumberSpec:
    name: str
    median: float
    mean: float
    scale: float
    edges: tuple[float, ...]  # inner quantile edges: values fall into len(edges) + 1 bins


@dataclass(frozen=True)
class CategorySpec:
    name: str
    levels: tuple[str, ...]  # code 2 + i; 0 is missing, 1 is a level too rare to keep

    def label(self, code: int) -> str:
        if code == MISSING:
            return "(missing)"
        if code == OTHER:
            return "(other)"
        return self.levels[code - 2]


def _number_spec(name: str, values: np.ndarray) -> NumberSpec:
    present = values[~np.isnan(values)]
    if len(present) == 0:
        return NumberSpec(name, 0.0, 0.0, 1.0, ())
    quantiles = np.quantile(present, np.linspace(0, 1, _BINS + 1)[1:-1])
    edges = tuple(float(q) for q in np.unique(quantiles))
    scale = float(np.std(present)) or 1.0
    return NumberSpec(name, float(np.median(present)), float(np.mean(present)), scale, edges)


def _category_spec(name: str, text: pa.ChunkedArray | pa.Array) -> CategorySpec:
    counts = pc.value_counts(text)
    values = counts.field("values").to_pylist()
    tallies = counts.field("counts").to_pylist()
    ranked = sorted(
        ((n, v) for v, n in zip(values, tallies, strict=True) if v is not None),
        key=lambda p: (-p[0], p[1]),
    )
    kept = [v for n, v in ranked if n >= _MIN_LEVEL_ROWS][:_MAX_LEVELS]
    return CategorySpec(name, tuple(sorted(kept)))


@dataclass(frozen=True)
class FrameSpec:
    """What was learned from the training table: levels, medians, bin edges."""

    numbers: tuple[NumberSpec, ...]
    categories: tuple[CategorySpec, ...]
    excluded: tuple[Excluded, ...] = ()

    @classmethod
    def fit(
        cls,
        table: pa.Table,
        numbers: list[str],
        categories: list[str],
        excluded: list[Excluded] = (),  # type: ignore[assignment]
    ) -> FrameSpec:
        return cls(
            numbers=tuple(_number_spec(n, _numbers_or_nan(table[n])) for n in numbers),
            categories=tuple(_category_spec(c, clean_text(table[c])) for c in categories),
            excluded=tuple(excluded),
        )

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.numbers] + [s.name for s in self.categories]

    def without(self, names: set[str], why: dict[str, str]) -> FrameSpec:
        return replace(
            self,
            numbers=tuple(s for s in self.numbers if s.name not in names),
            categories=tuple(s for s in self.categories if s.name not in names),
            excluded=self.excluded + tuple(Excluded(n, why[n]) for n in sorted(names)),
        )

    def encode(self, table: pa.Table) -> Frame:
        missing = [n for n in self.names if n not in table.column_names]
        if missing:
            raise PipefitError(
                f"the table lacks the column(s) the model was trained on: {', '.join(missing)}"
            )
        n = table.num_rows
        numbers = np.empty((n, len(self.numbers)), np.float64)
        for j, spec in enumerate(self.numbers):
            numbers[:, j] = _numbers_or_nan(table[spec.name])
        codes = np.empty((n, len(self.categories)), np.int32)
        for j, cat in enumerate(self.categories):
            codes[:, j] = _codes(clean_text(table[cat.name]), cat.levels)
        return Frame(self, numbers, codes)


def _numbers_or_nan(column: pa.ChunkedArray) -> np.ndarray:
    values = _numbers(column)
    if values is None:
        # A column that was numeric in training but is text here: unreadable -> missing.
        return np.full(len(column), np.nan)
    return values


def _codes(text: pa.ChunkedArray | pa.Array, levels: tuple[str, ...]) -> np.ndarray:
    index = pc.index_in(text, value_set=pa.array(levels, pa.string()))
    codes = np.asarray(pc.fill_null(index, -1).to_numpy(zero_copy_only=False), np.int32) + 2
    known = np.asarray(pc.is_valid(text).to_numpy(zero_copy_only=False), bool)
    codes[(codes == 1) & known] = OTHER  # present but not a kept level
    codes[~known] = MISSING
    return codes


@dataclass
class Frame:
    """Encoded rows: numbers (NaN when missing) and category codes."""

    spec: FrameSpec
    numbers: np.ndarray  # (rows, numbers) float64
    codes: np.ndarray  # (rows, categories) int32
    _bins: np.ndarray | None = field(default=None, repr=False)

    @property
    def rows(self) -> int:
        return int(self.numbers.shape[0])

    def take(self, rows: np.ndarray) -> Frame:
        return Frame(self.spec, self.numbers[rows], self.codes[rows])

    def bins(self) -> np.ndarray:
        """Numbers as bin codes (0 = missing, 1.. = quantile bins), for frequency tables."""
        if self._bins is None:
            out = np.empty(self.numbers.shape, np.int32)
            for j, spec in enumerate(self.spec.numbers):
                col = self.numbers[:, j]
                out[:, j] = np.searchsorted(np.asarray(spec.edges), col, side="right") + 1
                out[np.isnan(col), j] = 0
            self._bins = out
        return self._bins

    def field_codes(self) -> tuple[np.ndarray, list[int]]:
        """Every field as small integer codes (binned numbers, then categories) and level counts."""
        sizes = [len(s.edges) + 2 for s in self.spec.numbers]
        sizes += [len(c.levels) + 2 for c in self.spec.categories]
        return np.hstack([self.bins(), self.codes]), sizes
