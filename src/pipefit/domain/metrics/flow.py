"""The pipeline flow (waterfall) of a period, once, as pure functions (the oracle of
`analytics.reports.flow`).

The open pipeline of a period P at a moment T (Salesforce's pipeline inspection and
Clari's definition): the deals open at T whose expected close date, as it stood at T,
falls in P. Each deal is replayed (as `analytics.replay.deals_as_of` does) just before P
starts, at every moment in P where something happened to it (created, moved, amount or
close date changed), and at the end of P (or the as-of moment, when P is not over). Each
step between two consecutive states of a deal is one movement:

- out of the pipeline -> in: `new` (the deal did not exist before), `reopened` (it was
  won or lost), else `pulled_in` (its close date moved into P, from after it or, rarely,
  from before it or from no date);
- in -> out: `won`, `lost`, else `pushed_out` (its close date moved out of P);
- in -> in: `increased` / `decreased` by the change of its amount.

Entering counts the amount after the step, leaving the amount before it, staying the
difference: so start + every movement = end, always (telescoping sums; amounts are each
rounded to 4 places first, so the sums are exact). A deal with no amount in the workspace
currency counts in the counts with amount 0.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "MOVEMENTS",
    "FlowChange",
    "FlowDeal",
    "FlowEvent",
    "Movement",
    "State",
    "flow",
    "state_at",
]

# The waterfall's lines, in order, and the sign of their count.
MOVEMENTS = (
    "start",
    "new",
    "pulled_in",
    "reopened",
    "pushed_out",
    "won",
    "lost",
    "increased",
    "decreased",
    "end",
)
TICK = timedelta(microseconds=1)
CENT = Decimal("0.0001")


@dataclass(frozen=True)
class FlowDeal:
    opportunity_id: str
    pipeline: str
    stage: str
    outcome: str
    amount: Decimal | None
    amount_home: float | None
    created_at: datetime
    expected_close: datetime | None


@dataclass(frozen=True)
class FlowEvent:
    opportunity_id: str
    seq: int
    from_stage: str | None
    to_stage: str
    at: datetime


@dataclass(frozen=True)
class FlowChange:
    opportunity_id: str
    field: str  # amount, close_date
    at: datetime
    ordinal: int
    old_amount: Decimal | None = None
    new_amount: Decimal | None = None
    old_close_date: datetime | None = None
    new_close_date: datetime | None = None


@dataclass(frozen=True)
class State:
    outcome: str
    amount_home: float | None
    expected_close: datetime | None


@dataclass
class Movement:
    deals: set[str] = field(default_factory=set)
    count: int = 0
    amount: Decimal = Decimal(0)


def state_at(
    deal: FlowDeal,
    events: Sequence[FlowEvent],
    changes: Sequence[FlowChange],
    categories: Mapping[tuple[str, str], str],
    t: datetime,
) -> State | None:
    """The deal as it stood at t (None: not created yet), as the replay states it."""
    if deal.created_at > t:
        return None
    before = [e for e in events if e.at <= t]
    after = [e for e in events if e.at > t]
    if before:
        stage = max(before, key=lambda e: e.seq).to_stage
    elif after and min(after, key=lambda e: e.seq).from_stage is not None:
        stage = min(after, key=lambda e: e.seq).from_stage or deal.stage
    else:
        stage = deal.stage
    outcome = (
        deal.outcome if stage == deal.stage else categories.get((deal.pipeline, stage), "open")
    )

    def first_later(name: str) -> FlowChange | None:
        later = [c for c in changes if c.field == name and c.at > t]
        return min(later, key=lambda c: (c.at, c.ordinal)) if later else None

    amount_change = first_later("amount")
    amount_home = deal.amount_home
    if amount_change is not None:
        then = amount_change.old_amount
        if deal.amount is None or deal.amount == 0 or then is None or amount_home is None:
            amount_home = None
        else:
            amount_home = float(then) * (amount_home / float(deal.amount))
    close_change = first_later("close_date")
    close = close_change.old_close_date if close_change is not None else deal.expected_close
    return State(outcome, amount_home, close)


def _inside(state: State | None, start: datetime, end: datetime) -> bool:
    return (
        state is not None
        and state.outcome == "open"
        and state.expected_close is not None
        and start <= state.expected_close < end
    )


def _amount(state: State | None) -> Decimal:
    if state is None or state.amount_home is None:
        return Decimal(0)
    return Decimal(state.amount_home).quantize(CENT, ROUND_HALF_UP)


def _step(a: State | None, b: State | None, start: datetime, end: datetime) -> str | None:
    was, now = _inside(a, start, end), _inside(b, start, end)
    if not was and now:
        if a is None:
            return "new"
        return "reopened" if a.outcome != "open" else "pulled_in"
    if was and not now:
        assert b is not None  # a deal once created stays created
        return b.outcome if b.outcome in ("won", "lost") else "pushed_out"
    if was and now:
        diff = _amount(b) - _amount(a)
        return "increased" if diff > 0 else "decreased" if diff < 0 else None
    return None


def flow(
    deals: Iterable[FlowDeal],
    events: Iterable[FlowEvent],
    changes: Iterable[FlowChange],
    categories: Mapping[tuple[str, str], str],
    start: datetime,
    end: datetime,
    through: datetime,
) -> dict[str, Movement]:
    """The waterfall of the period [start, end), its states replayed through `through`
    (the last moment of the period, or the as-of moment when earlier)."""
    before = start - TICK
    last = min(end - TICK, through)
    evs: dict[str, list[FlowEvent]] = {}
    for e in events:
        evs.setdefault(e.opportunity_id, []).append(e)
    chs: dict[str, list[FlowChange]] = {}
    for c in changes:
        chs.setdefault(c.opportunity_id, []).append(c)
    lines = {name: Movement() for name in MOVEMENTS}
    for deal in deals:
        mine_e, mine_c = evs.get(deal.opportunity_id, []), chs.get(deal.opportunity_id, [])
        moments = {deal.created_at} | {e.at for e in mine_e} | {c.at for c in mine_c}
        points = [before, *sorted(m for m in moments if before < m <= last), last]
        states = [state_at(deal, mine_e, mine_c, categories, t) for t in points]
        for name, state in (("start", states[0]), ("end", states[-1])):
            if _inside(state, start, end):
                lines[name].deals.add(deal.opportunity_id)
                lines[name].count += 1
                lines[name].amount += _amount(state)
        for a, b in itertools.pairwise(states):
            kind = _step(a, b, start, end)
            if kind is None:
                continue
            line = lines[kind]
            line.deals.add(deal.opportunity_id)
            if kind in ("new", "pulled_in", "reopened"):
                line.count += 1
                line.amount += _amount(b)
            elif kind in ("won", "lost", "pushed_out"):
                line.count -= 1
                line.amount -= _amount(a)
            else:
                line.amount += _amount(b) - _amount(a)
    return lines
