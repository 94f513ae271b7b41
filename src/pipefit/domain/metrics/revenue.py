"""Won revenue, its growth period over period, and revenue per customer per period.

Won revenue sums `amount_home` of won deals (deals with no home amount are left out and
counted apart). Growth = (won revenue of a period - that of the period before) / that of
the period before, null when the period before won nothing. Revenue per customer in a
period = won revenue closed in it / the distinct accounts behind those won deals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pipefit.domain.metrics.records import WON, DealRecord
from pipefit.domain.periods import Period, period_of

__all__ = [
    "PeriodRevenue",
    "growth",
    "previous_period",
    "revenue_per_customer",
    "won_revenue",
    "won_revenue_in",
]


def previous_period(period: Period) -> Period:
    if period.kind == "year":
        return Period(period.year - 1, "year")
    count = 4 if period.kind == "quarter" else 12
    if period.index == 1:
        return Period(period.year - 1, period.kind, count)
    return Period(period.year, period.kind, period.index - 1)


def won_revenue(deals: Iterable[DealRecord]) -> float:
    return sum(d.amount_home for d in deals if d.outcome == WON and d.amount_home is not None)


def won_revenue_in(deals: Iterable[DealRecord], period: Period) -> float:
    return won_revenue(d for d in deals if d.closed_at is not None and period.holds(d.closed_at))


def growth(current: float, before: float) -> float | None:
    return (current - before) / before if before else None


@dataclass(frozen=True)
class PeriodRevenue:
    period: str
    won_revenue: float
    customers: int
    revenue_per_customer: float | None


def revenue_per_customer(deals: Iterable[DealRecord], kind: str) -> list[PeriodRevenue]:
    """Per period of `kind` in which something was won, in order of time."""
    revenue: dict[Period, float] = defaultdict(float)
    accounts: dict[Period, set[str]] = defaultdict(set)
    for deal in deals:
        if deal.outcome != WON or deal.closed_at is None or deal.amount_home is None:
            continue
        period = period_of(deal.closed_at, kind)
        revenue[period] += deal.amount_home
        if deal.account_id is not None:
            accounts[period].add(deal.account_id)
    return [
        PeriodRevenue(
            p.label,
            revenue[p],
            len(accounts[p]),
            revenue[p] / len(accounts[p]) if accounts[p] else None,
        )
        for p in sorted(revenue, key=lambda p: p.start)
    ]
