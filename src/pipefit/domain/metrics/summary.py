"""The headline KPIs of a set of deals, as of a moment: the figures `report kpis` prints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pipefit.domain.metrics.cycles import won_cycles
from pipefit.domain.metrics.rates import win_rate, win_rate_counting_stalled
from pipefit.domain.metrics.records import LOST, OPEN, WON, DealRecord, EventRecord
from pipefit.domain.metrics.revenue import won_revenue
from pipefit.domain.metrics.stalled import stalled_deals
from pipefit.domain.metrics.stats import mean
from pipefit.domain.metrics.velocity import DAYS_PER_MONTH, sales_velocity

__all__ = ["KpiSummary", "kpi_summary"]


@dataclass(frozen=True)
class KpiSummary:
    deals: int
    open: int
    won: int
    lost: int
    stalled: int
    win_rate: float | None
    win_rate_counting_stalled: float | None
    won_revenue: float
    won_without_amount: int
    average_won_amount: float | None
    open_pipeline: float
    median_cycle_days_won: float | None
    mean_cycle_days_won: float | None
    sales_velocity_per_day: float | None
    sales_velocity_per_month: float | None


def kpi_summary(
    deals: Sequence[DealRecord],
    events: Sequence[EventRecord],
    moment: datetime,
    stalled: set[str] | None = None,
) -> KpiSummary:
    """`events` are every deal's (stage p90s are the stage's, whatever the cut); `stalled`
    may be given when computed once over all deals."""
    stuck = stalled_deals(deals, events, moment) if stalled is None else stalled
    won = [d for d in deals if d.outcome == WON]
    lost = sum(1 for d in deals if d.outcome == LOST)
    open_ = [d for d in deals if d.outcome == OPEN]
    n_stalled = sum(1 for d in open_ if d.opportunity_id in stuck)
    rate = win_rate(len(won), lost)
    amounts = [d.amount_home for d in won if d.amount_home is not None]
    average = mean(amounts)
    cycles = won_cycles(won)
    velocity = sales_velocity(len(open_), rate, average, cycles.mean_days)
    return KpiSummary(
        deals=len(deals),
        open=len(open_),
        won=len(won),
        lost=lost,
        stalled=n_stalled,
        win_rate=rate,
        win_rate_counting_stalled=win_rate_counting_stalled(len(won), lost, n_stalled),
        won_revenue=won_revenue(won),
        won_without_amount=len(won) - len(amounts),
        average_won_amount=average,
        open_pipeline=sum(d.amount_home for d in open_ if d.amount_home is not None),
        median_cycle_days_won=cycles.median_days,
        mean_cycle_days_won=cycles.mean_days,
        sales_velocity_per_day=velocity,
        sales_velocity_per_month=None if velocity is None else velocity * DAYS_PER_MONTH,
    )
