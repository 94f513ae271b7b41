"""Stage visits from an ordered stage log, and the figures of time in stage (the oracle of
the time-in-stage report).

A *visit* is a stay in a stage, from the event that entered it to the next event that left
it. Each deal's events are read in time order (ties by their sequence number). A new
*stage visit* starts at the deal's first event and at every event that enters another
stage; every visit counts, so a deal that goes A -> B -> A visits A twice. A *sub-state
visit* starts at every stage visit and at every event that changes the sub-state inside
the same stage (a sub-state change is not a new stage visit). An event that repeats the
stage and sub-state the deal is in starts nothing.

- Closing stages (won, lost) have no duration: visits to them are not listed. A deal
  reopened after a close starts a new visit at the reopening event.
- A visit no later event ended is *open* (the deal is there at the as-of moment); its
  time so far runs to the as-of moment. Completed and open visits are kept apart.
- Two events at the same instant give a zero-length visit (it counts).
- A history that starts after the deal was created starts the first visit at the first
  event: the time before the log began is not known, so it is not counted.

Durations are in days (seconds / 86,400). Percentiles are *continuous* (linear
interpolation between the two nearest ranks, p-th percentile at rank (n - 1) * p from 0:
Hyndman and Fan's type 7, SQL's `percentile_cont`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

__all__ = [
    "DAY_SECONDS",
    "NO_SUBSTATE",
    "DealStageTime",
    "LoggedEvent",
    "StageTime",
    "Stats",
    "Visit",
    "cumulative",
    "days_between",
    "percentile",
    "stats",
    "time_in_stage",
    "visits",
]

DAY_SECONDS = 86_400.0
OPEN = "open"


@dataclass(frozen=True)
class LoggedEvent:
    """One event of the effective stage log: the deal entered `stage` (and `substate`)."""

    opportunity_id: str
    seq: int
    pipeline: str
    stage: str
    substate: str | None
    at: datetime
    category: str  # of the stage entered: open, won, lost
    position: int = 0  # of the stage entered in its pipeline


@dataclass(frozen=True)
class Visit:
    opportunity_id: str
    pipeline: str
    stage: str
    position: int
    level: str  # "stage" or "substate"
    substate: str | None  # None on stage visits (and on sub-state visits with none)
    start: datetime
    end: datetime | None  # None: open at the as-of moment

    @property
    def is_open(self) -> bool:
        return self.end is None

    def days(self, as_of: datetime) -> float:
        return days_between(self.start, self.end if self.end is not None else as_of)


def days_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / DAY_SECONDS


def _order(events: Iterable[LoggedEvent]) -> list[LoggedEvent]:
    return sorted(events, key=lambda e: (e.opportunity_id, e.at, e.seq))


def _runs(log: list[LoggedEvent], starts: list[bool]) -> list[tuple[LoggedEvent, datetime | None]]:
    """The events that start a run, each with the start of the next run (its end)."""
    firsts = [e for e, s in zip(log, starts, strict=True) if s]
    ends: list[datetime | None] = [e.at for e in firsts[1:]]
    ends.append(None)
    return list(zip(firsts, ends, strict=True))


def visits(events: Iterable[LoggedEvent]) -> list[Visit]:
    """Every stage visit and sub-state visit to an open stage, in each deal's order."""
    found: list[Visit] = []
    for _, group in groupby(_order(events), key=lambda e: e.opportunity_id):
        log = list(group)
        stage_starts = [i == 0 or e.stage != log[i - 1].stage for i, e in enumerate(log)]
        sub_starts = [
            s or e.substate != log[i - 1].substate
            for i, (e, s) in enumerate(zip(log, stage_starts, strict=True))
        ]
        for level, starts in (("stage", stage_starts), ("substate", sub_starts)):
            for first, end in _runs(log, starts):
                if first.category != OPEN:
                    continue
                found.append(
                    Visit(
                        opportunity_id=first.opportunity_id,
                        pipeline=first.pipeline,
                        stage=first.stage,
                        position=first.position,
                        level=level,
                        substate=first.substate if level == "substate" else None,
                        start=first.at,
                        end=end,
                    )
                )
    return found


def percentile(values: Sequence[float], p: float) -> float | None:
    """The continuous p-th percentile (0 <= p <= 1); None for no values."""
    if not values:
        return None
    xs = sorted(values)
    rank = (len(xs) - 1) * p
    low = math.floor(rank)
    high = min(low + 1, len(xs) - 1)
    return xs[low] + (rank - low) * (xs[high] - xs[low])


@dataclass(frozen=True)
class Stats:
    count: int
    mean: float | None
    median: float | None
    p75: float | None
    p90: float | None


def stats(values: Sequence[float]) -> Stats:
    if not values:
        return Stats(0, None, None, None, None)
    return Stats(
        count=len(values),
        mean=sum(values) / len(values),
        median=percentile(values, 0.5),
        p75=percentile(values, 0.75),
        p90=percentile(values, 0.9),
    )


@dataclass(frozen=True)
class DealStageTime:
    """A deal's cumulative time in one stage (HubSpot's "cumulative time in stage")."""

    visits: int
    completed_days: float  # over its completed visits
    open_days: float  # the open visit's time so far (0 when not there now)
    in_stage_now: bool

    @property
    def total_days(self) -> float:
        return self.completed_days + self.open_days


def cumulative(
    found: Iterable[Visit], as_of: datetime
) -> dict[tuple[str, str, str], DealStageTime]:
    """(opportunity, pipeline, stage) -> the deal's time in that stage over all its visits."""
    totals: dict[tuple[str, str, str], DealStageTime] = {}
    for v in found:
        if v.level != "stage":
            continue
        key = (v.opportunity_id, v.pipeline, v.stage)
        before = totals.get(key, DealStageTime(0, 0.0, 0.0, False))
        days = v.days(as_of)
        totals[key] = DealStageTime(
            visits=before.visits + 1,
            completed_days=before.completed_days + (0.0 if v.is_open else days),
            open_days=before.open_days + (days if v.is_open else 0.0),
            in_stage_now=before.in_stage_now or v.is_open,
        )
    return totals


NO_SUBSTATE = "(none)"  # the label of the time in a stage before any sub-state was set


@dataclass(frozen=True)
class StageTime:
    completed: Stats  # over completed visits
    open_visits: int
    open_mean_days: float | None  # time so far of the open visits
    open_max_days: float | None


def time_in_stage(
    found: Iterable[Visit], as_of: datetime
) -> dict[tuple[str, str, str, str | None], StageTime]:
    """(pipeline, stage, level, sub-state) -> its completed and open visits. Stage rows have
    sub-state None; sub-state rows are listed only for stages where some visit had one (the
    time with none is labelled NO_SUBSTATE)."""
    listed = list(found)
    with_substates = {(v.pipeline, v.stage) for v in listed if v.substate is not None}
    done: dict[tuple[str, str, str, str | None], list[float]] = {}
    still: dict[tuple[str, str, str, str | None], list[float]] = {}
    for v in listed:
        if v.level == "substate" and (v.pipeline, v.stage) not in with_substates:
            continue
        label = None if v.level == "stage" else (v.substate or NO_SUBSTATE)
        key = (v.pipeline, v.stage, v.level, label)
        done.setdefault(key, [])
        still.setdefault(key, [])
        (still if v.is_open else done)[key].append(v.days(as_of))
    return {
        key: StageTime(
            completed=stats(done[key]),
            open_visits=len(still[key]),
            open_mean_days=sum(still[key]) / len(still[key]) if still[key] else None,
            open_max_days=max(still[key]) if still[key] else None,
        )
        for key in done
    }
