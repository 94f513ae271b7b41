"""Cycle length: from a deal's creation (engagement) to its close, in days."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipefit.domain.metrics.records import WON, DealRecord
from pipefit.domain.metrics.stats import mean, percentile_cont

__all__ = ["CycleSummary", "cycle_days", "won_cycles"]

DAY_SECONDS = 86400.0


def cycle_days(deal: DealRecord) -> float | None:
    if deal.closed_at is None:
        return None
    return (deal.closed_at - deal.created_at).total_seconds() / DAY_SECONDS


@dataclass(frozen=True)
class CycleSummary:
    deals: int  # won deals with a close time behind the figures
    mean_days: float | None
    median_days: float | None


def won_cycles(deals: Iterable[DealRecord]) -> CycleSummary:
    days = [d for d in (cycle_days(x) for x in deals if x.outcome == WON) if d is not None]
    return CycleSummary(len(days), mean(days), percentile_cont(days, 0.5))
