"""Pay periods: a year ('2026'), a quarter ('2026Q3') or a month ('2026-07'), in UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache, cached_property

from pipefit.domain.errors import PipefitError

__all__ = ["KINDS", "Period", "parse_period", "period_of"]

KINDS = ("year", "quarter", "month")
FIRST_YEAR, LAST_YEAR = 1900, 2999
_MONTHS = {"year": 12, "quarter": 3, "month": 1}
_PATTERNS = (
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})-?[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), "month"),
)


@dataclass(frozen=True)
class Period:
    year: int
    kind: str
    index: int = 1  # 1 for a year, 1-4 for a quarter, 1-12 for a month

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(self.year)
        if self.kind == "quarter":
            return f"{self.year}Q{self.index}"
        return f"{self.year}-{self.index:02d}"

    def __str__(self) -> str:
        return self.label

    @property
    def months(self) -> int:
        return _MONTHS[self.kind]

    @property
    def first_month(self) -> int:
        return (self.index - 1) * self.months + 1

    @cached_property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @cached_property
    def end(self) -> date:
        """The first day after the period."""
        month = self.first_month + self.months
        return date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @cached_property
    def days(self) -> int:
        return (self.end - self.start).days

    @cached_property
    def start_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, 1, tzinfo=UTC)

    @cached_property
    def end_at(self) -> datetime:
        return datetime(self.end.year, self.end.month, 1, tzinfo=UTC)

    def holds(self, moment: datetime) -> bool:
        return self.start_at <= moment < self.end_at

    def parent(self) -> Period | None:
        if self.kind == "month":
            return Period(self.year, "quarter", (self.index - 1) // 3 + 1)
        if self.kind == "quarter":
            return Period(self.year, "year")
        return None

    def ancestors(self) -> list[Period]:
        found = []
        current = self.parent()
        while current is not None:
            found.append(current)
            current = current.parent()
        return found

    def children(self) -> list[Period]:
        if self.kind == "year":
            return [Period(self.year, "quarter", q) for q in range(1, 5)]
        if self.kind == "quarter":
            return [Period(self.year, "month", self.first_month + m) for m in range(3)]
        return []

    def parts(self, kind: str) -> list[Period]:
        """The periods of `kind` inside this one (itself if it is of that kind)."""
        if kind == self.kind:
            return [self]
        if KINDS.index(kind) < KINDS.index(self.kind):
            raise ValueError(f"a {self.kind} holds no {kind}")
        return [p for child in self.children() for p in child.parts(kind)]

    def year_so_far(self) -> list[Period]:
        """The periods of this kind from the start of its year through this one."""
        return [p for p in Period(self.year, "year").parts(self.kind) if p.start <= self.start]

    def earlier_in_year(self) -> list[Period]:
        return self.year_so_far()[:-1]


@cache  # a year of quota rows names the same dozen periods thousands of times
def parse_period(text: str) -> Period:
    value = text.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(value)
        if match:
            year = int(match.group(1))
            if not FIRST_YEAR <= year <= LAST_YEAR:
                # the statements of a period read back to years before it (clawbacks):
                # the calendar's edges would overflow
                raise PipefitError(
                    f"period '{text}': the year must be between {FIRST_YEAR} and {LAST_YEAR}"
                )
            index = int(match.group(2)) if kind != "year" else 1
            return Period(year, kind, index)
    raise PipefitError(
        f"period '{text}' is not a year (2026), a quarter (2026Q3) or a month (2026-07)"
    )


def period_of(moment: date | datetime, kind: str) -> Period:
    """The period of `kind` that holds a date (a datetime is taken in UTC)."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    if kind == "year":
        return Period(day.year, "year")
    if kind == "quarter":
        return Period(day.year, "quarter", (day.month - 1) // 3 + 1)
    return Period(day.year, "month", day.month)
