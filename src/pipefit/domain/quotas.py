"""Quotas per person or pool and period: derived, changed mid-period, and ramped.

A quota row holds for a period ('2026', '2026Q3', '2026-07'). A period without its own
row takes an equal share of the nearest enclosing period that has one (a quarter is a
quarter of its year's quota), or the sum of the parts inside it that have rows. Shares
of one period are allocated so that they add up to it to the cent.

Every month of a period weighs the same (a quarter is three twelfths of its year). A
change recorded mid-period applies from its effective date, prorated by day within the
month it falls in; a new hire ramps: the days before the hire date count 0%, the months
after it the configured percentages, again prorated by day within each month.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from pipefit.domain.errors import PipefitError
from pipefit.domain.money import RoundingRule, allocate, exact
from pipefit.domain.periods import Period, parse_period

__all__ = [
    "NoQuota",
    "QuotaBook",
    "QuotaChange",
    "QuotaError",
    "Ramp",
    "ResolvedQuota",
    "add_months",
    "team_quota",
]


class QuotaError(PipefitError):
    """A quota that cannot be used (negative, or a change that makes no sense)."""


class NoQuota(QuotaError):
    """Neither the period nor any period around it has a quota."""


@dataclass(frozen=True)
class QuotaChange:
    """A quota changed mid-period: from `effective_at` the period's amount is `amount`."""

    owner_kind: str
    owner_id: str
    period: str
    effective_at: datetime
    amount: Decimal
    reason: str | None = None
    recorded_at: datetime | None = None
    change_id: int | None = None


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Ramp:
    """A new hire's quota: `percents[k]` of the full quota in month k+1 after the hire date."""

    percents: tuple[Decimal, ...] = ()

    def __post_init__(self) -> None:
        for i, pct in enumerate(self.percents):
            if not 0 <= pct <= 100:
                raise QuotaError(
                    f"compensation.ramp_months[{i}] is {pct}; a ramp is a percentage of "
                    "the full quota, between 0 and 100"
                )

    def boundaries(self, hired: date) -> list[date]:
        return [hired] + [add_months(hired, k + 1) for k in range(len(self.percents))]

    def factor(self, day: date, hired: date | None) -> Fraction:
        if hired is None or not self.percents:
            return Fraction(1)
        if day < hired:
            return Fraction(0)
        for k, pct in enumerate(self.percents):
            if day < add_months(hired, k + 1):
                return exact(pct) / 100
        return Fraction(1)


@dataclass(frozen=True)
class ResolvedQuota:
    owner_kind: str
    owner_id: str
    period: Period
    amount: Decimal
    notes: tuple[str, ...] = field(default_factory=tuple)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


class QuotaBook:
    """The quota rows and recorded changes of one person or pool."""

    def __init__(
        self,
        owner_kind: str,
        owner_id: str,
        rows: Mapping[Period, Decimal],
        *,
        changes: Sequence[QuotaChange] = (),
        hired_at: date | None = None,
        ramp: Ramp | None = None,
        rule: RoundingRule | None = None,
    ) -> None:
        self.owner_kind = owner_kind
        self.owner_id = owner_id
        self.rows = dict(rows)
        self.hired_at = hired_at
        self.ramp = ramp or Ramp()
        self.rule = rule or RoundingRule()
        self._resolved: dict[Period, ResolvedQuota] = {}
        self.changes: dict[Period, list[QuotaChange]] = {}
        for change in sorted(changes, key=lambda c: c.effective_at):
            self.changes.setdefault(parse_period(change.period), []).append(change)
        for period, amount in self.rows.items():
            self._refuse_negative(amount, f"the {period} quota")
        for period, recorded in self.changes.items():
            for change in recorded:
                self._refuse_negative(change.amount, f"the change of {period} recorded")

    @property
    def who(self) -> str:
        return f"{self.owner_kind} '{self.owner_id}'"

    def _refuse_negative(self, amount: Decimal, what: str) -> None:
        if amount < 0:
            raise QuotaError(f"{self.who}: {what} is {_money(amount)}; a quota cannot be negative")

    def _has(self, period: Period) -> bool:
        return period in self.rows or period in self.changes

    def _has_within(self, period: Period) -> bool:
        return self._has(period) or any(self._has_within(c) for c in period.children())

    @property
    def ramping(self) -> bool:
        return bool(self.ramp.percents) and self.hired_at is not None

    def source_of(self, period: Period) -> Period | None:
        """The period whose row this one's quota comes from, if any encloses it."""
        for candidate in (period, *period.ancestors()):
            if self._has(candidate):
                return candidate
        return None

    def defines(self, period: Period) -> bool:
        """Whether any row or change gives this period a quota (own, enclosing or inside)."""
        return self.source_of(period) is not None or self._has_within(period)

    def resolve(self, period: Period) -> ResolvedQuota:
        known = self._resolved.get(period)
        if known is None:
            known = self._resolved[period] = self._resolve(period)
        return known

    def _resolve(self, period: Period) -> ResolvedQuota:
        source = self.source_of(period)
        if source is not None:
            return self._share_of(source, period)
        parts = [c for c in period.children() if self._has_within(c)]
        if not parts:
            tried = ", ".join(p.label for p in (period, *period.ancestors()))
            raise NoQuota(f"{self.who} has no quota for {period}: no quota row for {tried}")
        resolved = [self.resolve(c) for c in parts]
        amount = sum((r.amount for r in resolved), Decimal(0))
        summed = " + ".join(f"{r.period} {_money(r.amount)}" for r in resolved)
        notes = tuple(n for r in resolved for n in r.notes)
        return ResolvedQuota(
            self.owner_kind,
            self.owner_id,
            period,
            amount,
            (*notes, f"{period}: no row of its own; the sum of {summed} = {_money(amount)}"),
        )

    # -- the daily arithmetic ---------------------------------------------------------

    def _amount_on(self, source: Period, day: date) -> Decimal:
        amount = self.rows.get(source, Decimal(0))
        for change in self.changes.get(source, []):
            if change.effective_at.date() <= day:
                amount = change.amount
        return amount

    def _breaks(self, source: Period, period: Period) -> list[date]:
        points = {period.start, period.end}
        points.update(c.effective_at.date() for c in self.changes.get(source, []))
        if self.ramping and self.hired_at is not None:
            points.update(self.ramp.boundaries(self.hired_at))
        return sorted(p for p in points if period.start <= p <= period.end)

    def _ramp_touches(self, period: Period) -> bool:
        if not self.ramping or self.hired_at is None:
            return False
        ramp_end = add_months(self.hired_at, len(self.ramp.percents))
        return period.start < ramp_end  # a period before the hire counts 0% as well

    def _exact(self, source: Period, period: Period) -> tuple[Fraction, list[str]]:
        """The exact quota of `period` as a share of `source`, with its day segments.

        Every month of the source weighs the same (a quarter is a quarter of its year,
        a month a twelfth); within a month, a change or a ramp is prorated by day. Built
        from months, the shares of any kind add up to the source's own figure."""
        per_month = Fraction(1, source.months)
        total = Fraction(0)
        segments: list[str] = []
        for month in period.parts("month"):
            cuts = self._breaks(source, month)
            inside = Fraction(0)
            for start, end in itertools.pairwise(cuts):
                days = (end - start).days
                amount = self._amount_on(source, start)
                factor = self.ramp.factor(start, self.hired_at) if self.ramping else Fraction(1)
                inside += exact(amount) * factor * days
                pct = f" at {float(factor * 100):g}%" if self.ramping else ""
                segments.append(f"{month}: {days} days of {_money(amount)}{pct}")
            total += per_month * inside / month.days
        return total, segments

    def _plain(self, source: Period) -> bool:
        """No change recorded and no ramp anywhere in the source: equal shares of a row."""
        return not self.changes.get(source) and not self._ramp_touches(source)

    def _share_of(self, source: Period, period: Period) -> ResolvedQuota:
        siblings = source.parts(period.kind)
        index = siblings.index(period)
        if self._plain(source):
            # The common case, without day arithmetic: equal shares that add up.
            row = self.rows.get(source, Decimal(0))
            amount = allocate(row, [1] * len(siblings), self.rule)[index]
            value, segments = exact(row) / len(siblings), [f"{period.days} days"]
        else:
            exacts = [self._exact(source, p) for p in siblings]
            values = [v for v, _ in exacts]
            amount = allocate(self.rule(sum(values, Fraction(0))), values, self.rule)[index]
            value, segments = exacts[index]
        notes: list[str] = []
        base = self.rows.get(source)
        if source == period:
            notes.append(
                f"{period} quota row: {_money(base)}" if base is not None else f"{period}: no row"
            )
        else:
            shown = _money(base) if base is not None else "none"
            notes.append(f"{period}: 1/{len(siblings)} of the {source} quota ({shown})")
        for change in self.changes.get(source, []):
            why = f" ({change.reason})" if change.reason else ""
            notes.append(
                f"{source} quota changed to {_money(change.amount)} from "
                f"{change.effective_at.date()}{why}"
            )
        if self._ramp_touches(period) and self.hired_at is not None:
            pcts = ", ".join(f"{float(p):g}%" for p in self.ramp.percents)
            notes.append(
                f"hired {self.hired_at}: 0% before, then {pcts} in the months after, then 100%"
            )
        if not self._plain(source) and (len(segments) > period.months or value != amount):
            notes.append(
                f"each month 1/{source.months} of the {source} quota, prorated by day "
                "within it: " + "; ".join(segments) + f" -> {_money(amount)}"
            )
        return ResolvedQuota(self.owner_kind, self.owner_id, period, amount, tuple(notes))


def team_quota(members: Iterable[ResolvedQuota]) -> Decimal:
    """A team's quota is the sum of its members' quotas for the period."""
    return sum((m.amount for m in members), Decimal(0))
