"""The pipeline board: open deals as cards in stage columns, one set of columns per
pipeline and segment, each column with its count and total amount; each card with its
time in the current stage and, past the stage's p90, marked stalled.

"Stalled" is the friction report's rule (`domain.metrics.friction`, MIN_STALL_VISITS): a
deal in a stage now for longer than the p90 of that stage's completed visits, when
MIN_STALL_VISITS visits or more stand behind the p90. The p90 is over every deal's
visits, not the ones a login may see: it is how long the stage usually takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from pipefit.domain.metrics.friction import MIN_STALL_VISITS
from pipefit.domain.model import Account, Category, Contact, Opportunity
from pipefit.domain.pipeline import Pipeline

__all__ = [
    "Board",
    "BoardDeal",
    "BoardQuery",
    "Card",
    "Column",
    "ColumnFigures",
    "ColumnKey",
    "DealParties",
    "Lane",
    "StageStat",
    "build_lanes",
    "is_stalled",
]


ColumnKey = tuple[str, str | None, str]  # a column of the board: pipeline, segment, stage


@dataclass(frozen=True)
class BoardDeal:
    opportunity: Opportunity
    segment: str | None


@dataclass(frozen=True)
class BoardQuery:
    """The access filter (`owners` None: every deal; else deals owned by one of `owners`
    or supported by one of `presales`) and the board's own filters."""

    owners: frozenset[str] | None
    presales: frozenset[str] = frozenset()
    owner: str | None = None
    presales_id: str | None = None
    segment: str | None = None


@dataclass(frozen=True)
class ColumnFigures:
    """One column's open deals in one currency: how many, and their amounts summed
    (`priced` of them have an amount)."""

    pipeline: str
    segment: str | None
    stage: str
    currency: str
    count: int
    priced: int
    amount: Decimal


@dataclass(frozen=True)
class StageStat:
    p90_days: float | None
    visits: int


@dataclass(frozen=True)
class Card:
    opportunity: Opportunity
    segment: str | None
    days_in_stage: float | None
    p90_days: float | None
    stalled: bool


@dataclass(frozen=True)
class Column:
    stage: str
    cards: list[Card]  # the longest in the stage first, at most the board's per-column
    count: int  # every deal in the column, shown or not
    totals: dict[str, Decimal]  # currency -> amount; deals without an amount add nothing
    unpriced: int = 0

    @property
    def hidden(self) -> int:
        return self.count - len(self.cards)


@dataclass(frozen=True)
class Lane:
    """One pipeline's columns for one segment."""

    pipeline: str
    segment: str | None
    columns: list[Column]
    targets: list[str]  # every stage of the pipeline, in order (where a card may go)


@dataclass(frozen=True)
class Board:
    lanes: list[Lane]
    owners: list[str] = field(default_factory=list)  # the filters' choices
    presales: list[str] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # person id -> name


@dataclass(frozen=True)
class DealParties:
    """Who a deal page shows around the deal: its account and buying committee."""

    account: Account | None
    committee: list[Contact]


def is_stalled(days: float | None, stat: StageStat | None) -> bool:
    if days is None or stat is None or stat.p90_days is None:
        return False
    return stat.visits >= MIN_STALL_VISITS and days > stat.p90_days


def _column(stage: str, figures: list[ColumnFigures], cards: list[Card], per_column: int) -> Column:
    totals = {f.currency: f.amount for f in sorted(figures, key=lambda f: f.currency) if f.priced}
    count = sum(f.count for f in figures)
    unpriced = count - sum(f.priced for f in figures)
    ordered = sorted(cards, key=lambda c: (-(c.days_in_stage or 0.0), c.opportunity.opportunity_id))
    return Column(stage, ordered[:per_column], count, totals, unpriced)


def build_lanes(
    figures: Iterable[ColumnFigures],
    deals: Iterable[BoardDeal],
    pipelines: Mapping[str, Pipeline],
    stats: Mapping[tuple[str, str], StageStat],
    days_in_stage: Mapping[str, float],
    *,
    per_column: int,
) -> list[Lane]:
    """Columns of the pipeline's open stages (in order, empty ones too) per pipeline and
    segment, counted and totalled from `figures` (every open deal), holding the cards of
    `deals` (those drawn). Deals of a pipeline or stage the workspace lacks are left out
    rather than guessed into a column."""
    counted: dict[tuple[str, str | None], dict[str, list[ColumnFigures]]] = {}
    for f in figures:
        if f.pipeline in pipelines:
            counted.setdefault((f.pipeline, f.segment), {}).setdefault(f.stage, []).append(f)
    drawn: dict[tuple[str, str | None, str], list[Card]] = {}
    for d in deals:
        o = d.opportunity
        if o.outcome is not Category.OPEN:
            continue
        days = days_in_stage.get(o.opportunity_id)
        stat = stats.get((o.pipeline, o.stage))
        card = Card(o, d.segment, days, stat.p90_days if stat else None, is_stalled(days, stat))
        drawn.setdefault((o.pipeline, d.segment, o.stage), []).append(card)
    lanes = []
    for (name, segment), by_stage in sorted(
        counted.items(), key=lambda k: (k[0][0], k[0][1] or "")
    ):
        pipeline = pipelines[name]
        columns = [
            _column(s.name, by_stage.get(s.name, []), drawn.get((name, segment, s.name), []),
                    per_column)
            for s in pipeline.stages
            if s.category is Category.OPEN
        ]  # fmt: skip
        lanes.append(Lane(name, segment, columns, [s.name for s in pipeline.stages]))
    return lanes
