"""Stalled ("rotting") deals: open deals whose time in their current stage exceeds that
stage's p90 of completed visits.

A visit is the time from an event entering a stage to the deal's next event; it is
completed when that next event has happened. Every visit counts, re-entries included.
The p90 is per (pipeline, stage), over every deal's visits (not only those a report is
cut to): it is how long that stage usually takes. A deal's time in its current stage runs
from its last event (its creation when it has none) to the moment of the report. A stage
without completed visits has no p90, and its deals are not called stalled.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from pipefit.domain.metrics.records import OPEN, DealRecord, EventRecord
from pipefit.domain.metrics.stats import percentile_cont

__all__ = ["stage_p90_days", "stalled_deals"]

_DAY = 86400.0


def stage_p90_days(events: Iterable[EventRecord]) -> dict[tuple[str, str], float]:
    per_deal: dict[str, list[EventRecord]] = defaultdict(list)
    for event in events:
        per_deal[event.opportunity_id].append(event)
    visits: dict[tuple[str, str], list[float]] = defaultdict(list)
    for log in per_deal.values():
        log.sort(key=lambda e: e.seq)
        for this, after in itertools.pairwise(log):
            visits[(this.pipeline, this.to_stage)].append(
                (after.at - this.at).total_seconds() / _DAY
            )
    return {key: p for key, days in visits.items() if (p := percentile_cont(days, 0.9)) is not None}


def stalled_deals(
    deals: Iterable[DealRecord], events: Sequence[EventRecord], moment: datetime
) -> set[str]:
    p90 = stage_p90_days(events)
    entered: dict[str, tuple[int, datetime]] = {}
    for event in events:
        seen = entered.get(event.opportunity_id)
        if seen is None or event.seq > seen[0]:
            entered[event.opportunity_id] = (event.seq, event.at)
    stalled = set()
    for deal in deals:
        limit = p90.get((deal.pipeline, deal.stage))
        if deal.outcome != OPEN or limit is None:
            continue
        since = (
            entered[deal.opportunity_id][1] if deal.opportunity_id in entered else deal.created_at
        )
        if (moment - since).total_seconds() / _DAY > limit:
            stalled.add(deal.opportunity_id)
    return stalled
