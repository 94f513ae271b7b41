"""Customers kept and lost: churn rate, expansion and lifetime value per lane.

- churn rate of a period = customers lost in it / customers at its start (won before the
  start and not churned before it).
- expansion rate = customers marked expanded / customers (the workspace keeps a flag per
  customer, not when it expanded).
- customer lifetime value of a lane (industry, segment) = revenue per customer-year x
  margin rate / churned customers per customer-year: what a customer of that lane brings,
  in margin, over the life its lane's churn implies. Null when the lane has lost nobody
  (no churn, no measured lifetime) or keeps no margin.
- net revenue retention needs each customer's revenue per period; the workspace keeps one
  lifetime figure per customer, so it is not computed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pipefit.domain.metrics.records import CustomerRecord

__all__ = ["LaneValue", "churn_rate", "expansion_rate", "lane_values"]

_YEAR_SECONDS = 365.25 * 86400


def _active_at(customer: CustomerRecord, moment: datetime) -> bool:
    return customer.won_at < moment and (
        customer.churned_at is None or customer.churned_at >= moment
    )


def churn_rate(
    customers: Iterable[CustomerRecord], start: datetime, end: datetime
) -> tuple[int, int, float | None]:
    """(customers at the start, of them lost before the end, the rate)."""
    at_start = [c for c in customers if _active_at(c, start)]
    lost = sum(1 for c in at_start if c.churned_at is not None and c.churned_at < end)
    return len(at_start), lost, (lost / len(at_start) if at_start else None)


def expansion_rate(customers: Sequence[CustomerRecord]) -> float | None:
    if not customers:
        return None
    return sum(1 for c in customers if c.expanded) / len(customers)


@dataclass(frozen=True)
class LaneValue:
    industry: str | None
    segment: str | None
    customers: int
    churned: int
    customer_years: float
    churn_per_year: float | None
    revenue_per_customer_year: float | None
    margin_rate: float | None
    lifetime_value: float | None


def lane_values(customers: Iterable[CustomerRecord], moment: datetime) -> list[LaneValue]:
    """Per lane, customers won by `moment`; churn after it has not happened yet."""
    lanes: dict[tuple[str | None, str | None], list[CustomerRecord]] = defaultdict(list)
    for c in customers:
        if c.won_at <= moment:
            lanes[(c.industry, c.segment)].append(c)
    values = []
    for (industry, segment), group in lanes.items():
        churned = [c for c in group if c.churned_at is not None and c.churned_at <= moment]
        years = sum(
            max(
                (
                    (c.churned_at if c in churned and c.churned_at else moment) - c.won_at
                ).total_seconds(),
                0.0,
            )
            / _YEAR_SECONDS
            for c in group
        )
        revenue = sum(c.revenue_home for c in group if c.revenue_home is not None)
        with_margin = [c for c in group if c.margin_home is not None and c.revenue_home]
        margin_rate = (
            sum(c.margin_home for c in with_margin if c.margin_home is not None)
            / sum(c.revenue_home for c in with_margin if c.revenue_home is not None)
            if with_margin
            else None
        )
        churn = len(churned) / years if years else None
        per_year = revenue / years if years else None
        value = (
            per_year * margin_rate / churn
            if per_year is not None and margin_rate is not None and churn
            else None
        )
        values.append(
            LaneValue(
                industry,
                segment,
                len(group),
                len(churned),
                years,
                churn,
                per_year,
                margin_rate,
                value,
            )
        )
    return sorted(values, key=lambda v: (v.industry or "", v.segment or ""))
