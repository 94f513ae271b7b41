"""The forecast: expected won revenue per period, from win probabilities learned from
history (the oracle the report's SQL is tested against).

As of a moment T:

- **What is learned.** Of the deals closed (won or lost) by T, those that were in stage S
  (of their pipeline), in segment G, and stayed there at least the lower bound of age band
  A: the share that ended won. A deal counts once per cell, however often it came back to
  the stage. A *visit* starts when a deal enters a stage (sub-state changes stay in it)
  and ends when it enters another.
- **Shrinkage** (so that three deals do not say 0% or 100%): the overall rate is
  (won + 1) / (closed + 2); a stage's rate is (won + K x overall) / (deals + K); a cell's
  is (won + K x its stage's rate) / (deals + K), with K = `PRIOR_DEALS`. A cell with no
  history takes its stage's rate, a stage with none the overall rate.
- **An open deal** in stage S, segment G, aged a days in its current visit, wins with the
  probability of the cell (S, band of a, G); its expected revenue is that times its amount
  in the workspace currency (deals without one are counted apart). It is forecast in the
  period of its expected close date; one already overdue at T in the period holding T.
- **The range**: the 10th and 90th percentiles of the open deals' won revenue, each deal a
  Bernoulli draw, by the normal approximation (mean +/- 1.2816 standard deviations,
  variance = sum of p(1-p) amount^2), bounded by 0 and by the open amount.
- **Not yet created**: the average, over up to `HISTORY_PERIODS` complete periods of the
  same kind before T (none before the first deal), of the revenue won from deals created
  and won inside the same period; times the part of the period still to come at T.
- **Categories** (Pipeline / Best case / Commit / Closed, and Omitted): a won deal is
  Closed; an open one takes its latest override at or before T, else its stage's
  configured category, else the default by the stage's rank among its pipeline's open
  stages (`default_category`). Roll-ups add them up: Commit = Closed + Commit, Best case
  = that + Best case, Pipeline = that + Pipeline.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

__all__ = [
    "BANDS",
    "CATEGORIES",
    "HISTORY_PERIODS",
    "PRIOR_DEALS",
    "UNDATED",
    "Z90",
    "Deal",
    "Move",
    "PeriodForecast",
    "Span",
    "WinRates",
    "band_of",
    "default_category",
    "fixed_probability",
    "forecast",
    "learn",
    "remaining",
    "roll_up",
    "visits",
]

BANDS: tuple[int, ...] = (0, 30, 90)  # lower bounds of the age-in-stage bands, in days
PRIOR_DEALS = 5.0  # the parent's rate weighs as much as this many deals
HISTORY_PERIODS = 4  # past periods averaged for pipeline not yet created
Z90 = 1.2815515655446004  # the standard normal's 90th percentile
# The row of open deals without an expected close date: in no period, counted apart.
UNDATED = "undated"
CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
DAY = 86400.0


@dataclass(frozen=True)
class Move:
    """A stage event as of T: the deal entered `to_stage` (of `category`) at `at`."""

    opportunity_id: str
    seq: int
    pipeline: str
    from_stage: str | None
    to_stage: str
    category: str
    at: datetime


@dataclass(frozen=True)
class Deal:
    """A deal as it stood at T."""

    opportunity_id: str
    pipeline: str
    stage: str
    outcome: str  # open, won, lost
    amount: float | None  # in the workspace currency
    created_at: datetime
    closed_at: datetime | None = None
    expected_close: datetime | None = None
    segment: str | None = None
    group: tuple[str | None, ...] = ()  # the values of the cuts asked for


@dataclass(frozen=True)
class Span:
    """A period: its label, start and end (exclusive)."""

    label: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Visit:
    opportunity_id: str
    pipeline: str
    stage: str
    category: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class WinRates:
    overall: float
    stages: Mapping[tuple[str, str], float]
    cells: Mapping[tuple[str, str, int, str], float]

    def probability(self, pipeline: str, stage: str, age_days: float, segment: str | None) -> float:
        parent = self.stages.get((pipeline, stage), self.overall)
        return self.cells.get((pipeline, stage, band_of(age_days), segment or ""), parent)


@dataclass
class PeriodForecast:
    label: str
    group: tuple[str | None, ...] = ()
    closed_won: float = 0.0
    open_deals: int = 0
    open_amount: float = 0.0
    expected_open: float = 0.0
    variance: float = 0.0
    expected_new: float = 0.0
    deals_without_amount: int = 0
    categories: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0.0))

    @property
    def expected(self) -> float:
        return self.closed_won + self.expected_open + self.expected_new

    @property
    def low(self) -> float:
        sd = math.sqrt(self.variance)
        return self.closed_won + self.expected_new + max(self.expected_open - Z90 * sd, 0.0)

    @property
    def high(self) -> float:
        sd = math.sqrt(self.variance)
        top = min(self.expected_open + Z90 * sd, self.open_amount)
        return self.closed_won + self.expected_new + top


def band_of(age_days: float) -> int:
    """The lower bound of the band an age in days falls in."""
    return max(b for b in BANDS if age_days >= b) if age_days >= 0 else BANDS[0]


def visits(moves: Iterable[Move]) -> list[Visit]:
    """Each deal's stage visits: from entering a stage to entering another (sub-state
    changes, logged as moves into the same stage, do not end a visit)."""
    by_deal: dict[str, list[Move]] = defaultdict(list)
    for m in moves:
        if m.from_stage is None or m.from_stage != m.to_stage:
            by_deal[m.opportunity_id].append(m)
    found: list[Visit] = []
    for deal_moves in by_deal.values():
        ordered = sorted(deal_moves, key=lambda m: m.seq)
        for here, after in zip(ordered, [*ordered[1:], None], strict=True):
            found.append(
                Visit(
                    here.opportunity_id,
                    here.pipeline,
                    here.to_stage,
                    here.category,
                    here.at,
                    None if after is None else after.at,
                )
            )
    return found


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / DAY


def _shrunk(won: int, deals: int, parent: float) -> float:
    return (won + PRIOR_DEALS * parent) / (deals + PRIOR_DEALS)


def learn(deals: Iterable[Deal], moves: Iterable[Move]) -> WinRates:
    """Win rates per stage and per (stage, age band, segment), from the deals closed."""
    closed = {d.opportunity_id: d for d in deals if d.outcome in ("won", "lost")}
    won_count = sum(1 for d in closed.values() if d.outcome == "won")
    overall = (won_count + 1.0) / (len(closed) + 2.0)
    stage_deals: dict[tuple[str, str], set[str]] = defaultdict(set)
    cell_deals: dict[tuple[str, str, int, str], set[str]] = defaultdict(set)
    for v in visits(moves):
        deal = closed.get(v.opportunity_id)
        if deal is None or v.category != "open" or v.end is None:
            continue
        stage_deals[(v.pipeline, v.stage)].add(v.opportunity_id)
        stayed = _days(v.start, v.end)
        for lower in BANDS:
            if stayed >= lower:
                cell_deals[(v.pipeline, v.stage, lower, deal.segment or "")].add(v.opportunity_id)

    def won(ids: set[str]) -> int:
        return sum(1 for i in ids if closed[i].outcome == "won")

    stages = {k: _shrunk(won(ids), len(ids), overall) for k, ids in stage_deals.items()}
    cells = {k: _shrunk(won(ids), len(ids), stages[(k[0], k[1])]) for k, ids in cell_deals.items()}
    return WinRates(overall, stages, cells)


def default_category(rank: int, open_stages: int) -> str:
    """An open stage's forecast category by its rank among its pipeline's open stages:
    the last is Commit, those in the upper half Best case, the rest Pipeline."""
    if rank >= open_stages:
        return "commit"
    if 2 * rank > open_stages:
        return "best_case"
    return "pipeline"


def fixed_probability(rank: int, open_stages: int) -> float:
    """The stage-weighted baseline: open stages' probabilities spread evenly, rank/(n+1)."""
    return rank / (open_stages + 1)


def roll_up(categories: Mapping[str, float]) -> dict[str, float]:
    """Salesforce's cumulative roll-ups of the amounts per category."""
    commit = categories.get("closed", 0.0) + categories.get("commit", 0.0)
    best = commit + categories.get("best_case", 0.0)
    return {"commit": commit, "best_case": best, "pipeline": best + categories.get("pipeline", 0.0)}


def _span_of(spans: Sequence[Span], moment: datetime) -> Span | None:
    return next((s for s in spans if s.start <= moment < s.end), None)


def forecast(
    deals: Sequence[Deal],
    moves: Sequence[Move],
    at: datetime,
    periods: Sequence[Span],
    history: Sequence[Span] = (),
    categories: Mapping[str, str] | None = None,
) -> dict[tuple[tuple[str | None, ...], str], PeriodForecast]:
    """The forecast per (group, period) as of `at`, for `deals` and `moves` as they stood
    then. `history`: the complete past periods averaged for pipeline not yet created.
    `categories`: each open deal's forecast category (else 'pipeline')."""
    rates = learn(deals, moves)
    entered: dict[str, datetime] = {}
    for v in visits(moves):
        entered[v.opportunity_id] = max(v.start, entered.get(v.opportunity_id, v.start))
    found: dict[tuple[tuple[str | None, ...], str], PeriodForecast] = {}

    def row(group: tuple[str | None, ...], label: str) -> PeriodForecast:
        return found.setdefault((group, label), PeriodForecast(label, group))

    for d in deals:
        if d.outcome == "won" and d.closed_at is not None:
            span = _span_of(periods, d.closed_at)
            if span is not None and d.amount is not None:
                r = row(d.group, span.label)
                r.closed_won += d.amount
                r.categories["closed"] += d.amount
        if d.outcome != "open":
            continue
        if d.expected_close is None:
            label = UNDATED  # counted apart, never left out
        else:
            span = _span_of(periods, max(d.expected_close, at))
            if span is None:
                continue
            label = span.label
        r = row(d.group, label)
        if d.amount is None:
            r.deals_without_amount += 1
            continue
        age = _days(entered.get(d.opportunity_id, d.created_at), at)
        p = rates.probability(d.pipeline, d.stage, age, d.segment)
        r.open_deals += 1
        r.open_amount += d.amount
        r.expected_open += p * d.amount
        r.variance += p * (1 - p) * d.amount**2
        r.categories[(categories or {}).get(d.opportunity_id, "pipeline")] += d.amount
    if history:
        made: dict[tuple[str | None, ...], float] = defaultdict(float)
        for d in deals:
            if d.outcome != "won" or d.closed_at is None or d.amount is None:
                continue
            span = _span_of(history, d.closed_at)
            if span is not None and span.start <= d.created_at < span.end:
                made[d.group] += d.amount
        for group, total in made.items():
            for span in periods:
                row(group, span.label).expected_new = total / len(history) * remaining(span, at)
    return found


def remaining(span: Span, at: datetime) -> float:
    """The part of a period still to come at `at` (1 before it starts, 0 after it ends)."""
    if at <= span.start:
        return 1.0
    if at >= span.end:
        return 0.0
    return (span.end - at).total_seconds() / (span.end - span.start).total_seconds()
