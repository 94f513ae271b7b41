"""Presales workload from the pipeline: open deals per engineer by stage, demos and
technical meetings per week, and who is over capacity (limits are configuration)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from pipefit.domain.capacity import hundredths

__all__ = ["PresalesLoad", "WorkloadLimits", "assess_workload"]


@dataclass(frozen=True)
class WorkloadLimits:
    max_open_deals: int
    max_meetings_per_week: Decimal


@dataclass(frozen=True)
class PresalesLoad:
    person_id: str
    name: str
    open_by_stage: Mapping[str, int]
    meetings: int  # demos and technical meetings in the window
    weeks: int
    over: tuple[str, ...] = ()

    @property
    def open_deals(self) -> int:
        return sum(self.open_by_stage.values())

    @property
    def meetings_rate(self) -> Fraction:
        """Meetings a week, exactly (45 in 4 weeks is 45/4), for comparisons."""
        if self.weeks <= 0:
            return Fraction(0)
        return Fraction(self.meetings, self.weeks)

    @property
    def meetings_per_week(self) -> Decimal:
        """Meetings a week to the hundredth (45 in 4 weeks: 11.25, never 11.2)."""
        return hundredths(self.meetings_rate)


def assess_workload(loads: Sequence[PresalesLoad], limits: WorkloadLimits) -> list[PresalesLoad]:
    """Each engineer's load with the reasons they are over capacity (busiest first)."""
    assessed = []
    for load in loads:
        reasons = []
        if load.open_deals > limits.max_open_deals:
            reasons.append(f"{load.open_deals} open deals > {limits.max_open_deals}")
        # The exact rate against the limit: a rounded figure can hide 12.004 > 12.
        limit = limits.max_meetings_per_week
        if load.meetings_rate > Fraction(limit):
            shown = load.meetings_per_week
            # Where the hundredths hide the excess (12.004 shows as 12.00), the counts say it.
            said = (
                f"{shown} meetings a week"
                if shown > limit
                else f"{load.meetings} meetings in {load.weeks} weeks ({shown} a week)"
            )
            reasons.append(f"{said} > {limit}")
        assessed.append(
            PresalesLoad(
                load.person_id,
                load.name,
                dict(load.open_by_stage),
                load.meetings,
                load.weeks,
                tuple(reasons),
            )
        )
    return sorted(assessed, key=lambda x: (-len(x.over), -x.open_deals, x.person_id))
