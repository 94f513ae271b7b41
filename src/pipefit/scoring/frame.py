"""Any table of leads as model input: numbers and categories, cleaned the same way for all.

CRM exports are messy: `Select` means "not chosen", `Google` and `google` are one source,
blanks and `N/A` are missing, identifiers and dates are not features. Every model and
baseline reads the same cleaned frame, so a comparison between them is fair.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial

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
_THREADED_ROWS = 100_000


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


@dataclass(frozen=True)
class _Text:
    """A text column as distinct values (cleaned) and, per row, which distinct value it holds.

    Cleaning, number parsing and level look-ups then run over the distinct values only:
    a million rows of a CRM export rarely hold more than a few thousand of them.
    """

    indices: np.ndarray  # per row, the distinct value's position; -1 where the cell is null
    values: pa.Array  # distinct values, cleaned (placeholders are null)
    counts: np.ndarray  # rows holding each distinct value

    @classmethod
    def of(cls, column: pa.ChunkedArray) -> _Text:
        encoded = pc.dictionary_encode(pc.cast(column, pa.string()).combine_chunks())
        indices = np.asarray(
            pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False), np.int64
        )
        counts = np.bincount(indices[indices >= 0], minlength=len(encoded.dictionary))
        return cls(indices, clean_text(encoded.dictionary), counts)

    @property
    def present(self) -> int:
        return int(self.counts[np.asarray(self.values.is_valid(), bool)].sum())

    def numbers(self) -> np.ndarray | None:
        """Per row, the number the text holds; None when the column is not (98%) numeric."""
        stripped = pc.replace_substring_regex(self.values, r"[%$€£,\s]", "")
        numeric = np.asarray(
            pc.fill_null(pc.match_substring_regex(stripped, _NUMBER.pattern), False), bool
        )
        present = self.present
        if present == 0 or self.counts[numeric].sum() < 0.98 * present:
            return None
        kept = pc.if_else(pa.array(numeric), stripped, pa.scalar(None, pa.string()))
        parsed = np.asarray(
            pc.fill_null(pc.cast(kept, pa.float64()), np.nan).to_numpy(zero_copy_only=False)
        )
        return np.where(self.indices >= 0, np.r_[parsed, np.nan][self.indices], np.nan)

    def tallies(self) -> dict[str, int]:
        """Rows per cleaned value (values equal once cleaned are counted together)."""
        grouped = (
            pa.table({"v": self.values, "n": pa.array(self.counts, pa.int64())})
            .filter(pc.is_valid(self.values))
            .group_by("v")
            .aggregate([("n", "sum")])
        )
        return dict(zip(grouped["v"].to_pylist(), grouped["n_sum"].to_pylist(), strict=True))

    def codes(self, levels: tuple[str, ...]) -> np.ndarray:
        found = np.asarray(
            pc.fill_null(
                pc.index_in(self.values, value_set=pa.array(levels, pa.string())), -1
            ).to_numpy(zero_copy_only=False),
            np.int64,
        )
        lookup = np.where(found >= 0, found + 2, OTHER)
        lookup[~np.asarray(self.values.is_valid(), bool)] = MISSING
        return np.where(self.indices >= 0, np.r_[lookup, MISSING][self.indices], MISSING).astype(
            np.int32
        )


def _is_text(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_null(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_dictionary(kind)
    )


def _numbers(column: pa.ChunkedArray) -> np.ndarray | None:
    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        floats = pc.fill_null(pc.cast(column, pa.float64()), np.nan)
        return np.asarray(floats.to_numpy(zero_copy_only=False), np.float64)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return _Text.of(column).numbers()
    return None


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
            excluded.append(Excluded(name, "left out as asked"))
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
        if not _is_text(kind):
            excluded.append(Excluded(name, f"of a type pipefit does not learn from ({kind})"))
            continue
        text = _Text.of(column)
        distinct = len(text.tallies())
        present = text.present
        if distinct == 0 or (distinct == 1 and present == rows):
            excluded.append(Excluded(name, "the same value in every row"))
        elif rows >= 50 and distinct >= 0.9 * present and distinct > _MAX_LEVELS:
            excluded.append(Excluded(name, "an identifier (a different value in every row)"))
        else:
            categories.append(name)
    missing = [e for e in exclude if e.casefold() not in {n.casefold() for n in table.column_names}]
    if missing:
        raise PipefitError(
            f"a column to leave out is not in the file: {', '.join(missing)}; columns are: "
            + ", ".join(table.column_names),
            field="scoring.exclude",
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


def _category_spec(name: str, column: pa.ChunkedArray) -> CategorySpec:
    tallies = _Text.of(column).tallies()
    ranked = sorted(((n, v) for v, n in tallies.items()), key=lambda p: (-p[0], p[1]))
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
            categories=tuple(_category_spec(c, table[c]) for c in categories),
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
        # Column-major: every later step reads and writes whole columns.
        numbers = np.empty((n, len(self.numbers)), np.float64, order="F")
        codes = np.empty((n, len(self.categories)), np.int32, order="F")

        def number(j: int) -> None:
            numbers[:, j] = _numbers_or_nan(table[self.numbers[j].name])

        def category(j: int) -> None:
            spec = self.categories[j]
            codes[:, j] = _Text.of(table[spec.name]).codes(spec.levels)

        jobs = [partial(number, j) for j in range(len(self.numbers))]
        jobs += [partial(category, j) for j in range(len(self.categories))]
        if n < _THREADED_ROWS:
            for job in jobs:
                job()
        else:  # Arrow and NumPy release the GIL: columns encode side by side
            with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
                list(pool.map(lambda job: job(), jobs))
        return Frame(self, numbers, codes)


def _numbers_or_nan(column: pa.ChunkedArray) -> np.ndarray:
    values = _numbers(column)
    if values is None:
        # A column that was numeric in training but is text here: unreadable -> missing.
        return np.full(len(column), np.nan)
    return values


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
        return Frame(
            self.spec,
            np.asfortranarray(self.numbers[rows]),
            np.asfortranarray(self.codes[rows]),
        )

    def bins(self) -> np.ndarray:
        """Numbers as bin codes (0 = missing, 1.. = quantile bins), for frequency tables."""
        if self._bins is None:
            out = np.empty(self.numbers.shape, np.int32, order="F")
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
        return np.asfortranarray(np.hstack([self.bins(), self.codes])), sizes
