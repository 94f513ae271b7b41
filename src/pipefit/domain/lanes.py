"""Lanes (DOMAIN section 5): how customers of each size and vertical fare, from their outcomes.

A lane is (industry, segment). Its figures are computed from the customer outcomes
pipefit holds, never typed in: churn per customer-year, the share of successful
customers, revenue per customer (lifetime value so far), margin, expansion, references
and time to value. A lead's lane is then *ours* (enough customers, faring at least as
well as customers overall), *adjacent* (shares the industry or the size of one of ours)
or *other* (no history, or customers there fare worse than overall).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pipefit.domain.model import CustomerOutcome
from pipefit.domain.qualification import is_successful_customer

__all__ = ["LaneBook", "LaneFit", "LaneStats", "build_lane_book", "lane_name"]

_YEAR_SECONDS = 365.25 * 86400
OURS, ADJACENT, OTHER = "ours", "adjacent", "other"


def lane_name(industry: str | None, segment: str | None) -> str:
    return f"{industry or 'unknown industry'} / {segment or 'unknown size'}"


@dataclass(frozen=True)
class LaneStats:
    name: str
    customers: int
    churn_per_year: float  # churned customers per customer-year
    success_rate: float
    revenue_per_customer: float
    margin_rate: float | None
    expansion_rate: float
    reference_rate: float
    median_ttv_days: float | None

    def as_row(self) -> dict[str, object]:
        return {
            "lane": self.name,
            "customers": self.customers,
            "churn_per_year_pct": round(100 * self.churn_per_year, 1),
            "successful_pct": round(100 * self.success_rate, 1),
            "revenue_per_customer": round(self.revenue_per_customer, 2),
            "margin_pct": None if self.margin_rate is None else round(100 * self.margin_rate, 1),
            "expanded_pct": round(100 * self.expansion_rate, 1),
            "reference_pct": round(100 * self.reference_rate, 1),
            "median_ttv_days": self.median_ttv_days,
        }


@dataclass(frozen=True)
class LaneFit:
    kind: str  # ours / adjacent / other, or "" when the lead's lane is unknown
    lane: str
    stats: LaneStats | None
    reason: str


def _stats(name: str, customers: list[CustomerOutcome], as_of: datetime) -> LaneStats:
    years = sum(
        max(((c.churned_at or as_of) - c.won_at).total_seconds(), 0.0) / _YEAR_SECONDS
        for c in customers
    )
    churned = sum(1 for c in customers if c.churned_at is not None and c.churned_at <= as_of)
    revenue = [float(c.revenue) for c in customers if c.revenue is not None]
    margin = [
        (float(c.margin), float(c.revenue)) for c in customers if c.margin is not None and c.revenue
    ]
    ttv = [c.time_to_value_days for c in customers if c.time_to_value_days is not None]
    n = len(customers)
    return LaneStats(
        name=name,
        customers=n,
        churn_per_year=churned / years if years > 0 else 0.0,
        success_rate=sum(is_successful_customer(c, as_of) for c in customers) / n,
        revenue_per_customer=sum(revenue) / len(revenue) if revenue else 0.0,
        margin_rate=sum(m for m, _ in margin) / sum(r for _, r in margin) if margin else None,
        expansion_rate=sum(bool(c.expanded) for c in customers) / n,
        reference_rate=sum(bool(c.reference) for c in customers) / n,
        median_ttv_days=float(statistics.median(ttv)) if ttv else None,
    )


@dataclass(frozen=True)
class LaneBook:
    overall: LaneStats | None
    lanes: dict[tuple[str, str], LaneStats]
    ttv_norms: dict[str, float] = field(default_factory=dict)  # segment -> median days
    min_customers: int = 5

    def _ours(self, key: tuple[str, str]) -> bool:
        stats = self.lanes.get(key)
        return (
            stats is not None
            and self.overall is not None
            and stats.customers >= self.min_customers
            and stats.success_rate >= self.overall.success_rate
        )

    def fit(self, industry: str | None, segment: str | None) -> LaneFit:
        name = lane_name(industry, segment)
        if industry is None or segment is None or self.overall is None:
            return LaneFit("", name, None, f"lane '{name}' unknown")
        key = (industry, segment)
        stats = self.lanes.get(key)
        overall = self.overall
        if self._ours(key) and stats is not None:
            return LaneFit(OURS, name, stats, f"lane '{name}' {_compare(stats, overall)}")
        if stats is not None and stats.customers >= self.min_customers:
            return LaneFit(OTHER, name, stats, f"lane '{name}' {_compare(stats, overall)}")
        neighbours = [
            k for k in self.lanes if self._ours(k) and (k[0] == industry or k[1] == segment)
        ]
        if neighbours:
            near = lane_name(*max(neighbours, key=lambda k: self.lanes[k].success_rate))
            return LaneFit(ADJACENT, name, stats, f"lane '{name}' is next to ours ('{near}')")
        few = stats.customers if stats else 0
        return LaneFit(OTHER, name, stats, f"lane '{name}' is not ours ({few} customers)")


def _compare(stats: LaneStats, overall: LaneStats) -> str:
    return (
        f"churns {100 * stats.churn_per_year:.0f}%/yr vs {100 * overall.churn_per_year:.0f}% "
        f"overall, {100 * stats.success_rate:.0f}% of its {stats.customers} customers "
        f"successful vs {100 * overall.success_rate:.0f}%"
    )


def build_lane_book(
    customers: Iterable[tuple[str | None, str | None, CustomerOutcome]],
    *,
    as_of: datetime,
    min_customers: int = 5,
) -> LaneBook:
    """Figures per lane from (industry, segment, outcome) of every customer won by `as_of`."""
    by_lane: dict[tuple[str, str], list[CustomerOutcome]] = defaultdict(list)
    by_segment: dict[str, list[int]] = defaultdict(list)
    everyone: list[CustomerOutcome] = []
    for industry, segment, outcome in customers:
        if outcome.won_at > as_of:
            continue
        everyone.append(outcome)
        if industry is not None and segment is not None:
            by_lane[(industry, segment)].append(outcome)
        if segment is not None and outcome.time_to_value_days is not None:
            by_segment[segment].append(outcome.time_to_value_days)
    return LaneBook(
        overall=_stats("all customers", everyone, as_of) if everyone else None,
        lanes={k: _stats(lane_name(*k), v, as_of) for k, v in sorted(by_lane.items())},
        ttv_norms={s: float(statistics.median(v)) for s, v in sorted(by_segment.items())},
        min_customers=min_customers,
    )
