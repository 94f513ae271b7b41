"""The pipeline board's columns, by hand: counts and totals per column, cards longest in
the stage first, stalled past the stage's p90 only with enough visits behind it (the
friction report's rule)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pipefit.domain.board import BoardDeal, ColumnFigures, StageStat, build_lanes, is_stalled
from pipefit.domain.model import Category, Opportunity
from pipefit.domain.pipeline import Pipeline, Stage

T0 = datetime(2026, 1, 5, tzinfo=UTC)
PIPELINE = Pipeline(
    "inbound",
    (
        Stage("Discovery"),
        Stage("Evaluation"),
        Stage("Closed won", Category.WON),
        Stage("Closed lost", Category.LOST),
    ),
)


def deal(deal_id: str, stage: str, amount: str | None, currency: str = "USD",
         outcome: Category = Category.OPEN) -> Opportunity:  # fmt: skip
    return Opportunity(
        opportunity_id=deal_id, pipeline="inbound", stage=stage, created_at=T0,
        amount=Decimal(amount) if amount is not None else None, currency=currency,
        outcome=outcome,
    )  # fmt: skip


def test_columns_count_every_open_deal_and_total_their_amounts_per_currency() -> None:
    deals = [
        BoardDeal(deal("a", "Discovery", "1000.10"), "smb"),
        BoardDeal(deal("b", "Discovery", "250.05"), "smb"),
        BoardDeal(deal("c", "Discovery", "99.99", "EUR"), "smb"),
        BoardDeal(deal("d", "Discovery", None), "smb"),
        BoardDeal(deal("e", "Evaluation", "10", outcome=Category.WON), "smb"),  # closed: off
        BoardDeal(deal("f", "Evaluation", "5.00"), "enterprise"),
    ]
    days = {"a": 3.0, "b": 12.0, "c": 1.0, "d": 30.0, "f": 2.0}
    stats = {("inbound", "Discovery"): StageStat(10.0, 5)}
    # The store's figures for these deals, by hand: smb Discovery holds a, b, d in USD
    # (two priced: 1000.10 + 250.05 = 1250.15) and c in EUR; enterprise Evaluation f.
    figures = [
        ColumnFigures("inbound", "smb", "Discovery", "USD", 3, 2, Decimal("1250.15")),
        ColumnFigures("inbound", "smb", "Discovery", "EUR", 1, 1, Decimal("99.99")),
        ColumnFigures("inbound", "enterprise", "Evaluation", "USD", 1, 1, Decimal("5.00")),
    ]
    lanes = build_lanes(figures, deals, {"inbound": PIPELINE}, stats, days, per_column=2)
    assert [(lane.segment, [c.stage for c in lane.columns]) for lane in lanes] == [
        ("enterprise", ["Discovery", "Evaluation"]),
        ("smb", ["Discovery", "Evaluation"]),
    ]
    discovery = lanes[1].columns[0]
    assert discovery.count == 4 and discovery.unpriced == 1
    # 1000.10 + 250.05 = 1250.15 USD; 99.99 EUR apart (never added across currencies)
    assert discovery.totals == {"EUR": Decimal("99.99"), "USD": Decimal("1250.15")}
    # Longest first, two shown: d (30 days), b (12); both past the p90 of 10 days
    assert [(c.opportunity.opportunity_id, c.stalled) for c in discovery.cards] == [
        ("d", True), ("b", True),
    ]  # fmt: skip
    assert discovery.hidden == 2
    assert lanes[1].targets == ["Discovery", "Evaluation", "Closed won", "Closed lost"]


def test_a_stage_with_fewer_than_five_completed_visits_calls_no_deal_stalled() -> None:
    assert not is_stalled(100.0, StageStat(10.0, 4))
    assert is_stalled(10.5, StageStat(10.0, 5))
    assert not is_stalled(10.0, StageStat(10.0, 5))  # beyond the p90, not at it
    assert not is_stalled(None, StageStat(10.0, 50))
