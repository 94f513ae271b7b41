"""The flow's formulas (domain.metrics.flow): the replay of one deal and the movements."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pipefit.domain.metrics.flow import FlowChange, FlowDeal, FlowEvent, flow, state_at

CATEGORIES = {("p", "Open"): "open", ("p", "Won"): "won", ("p", "Lost"): "lost"}
START, END = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)


def day(month: int, d: int, year: int = 2026) -> datetime:
    return datetime(year, month, d, tzinfo=UTC)


def test_a_deal_replayed_before_its_amount_change_has_its_old_amount_at_the_rate() -> None:
    deal = FlowDeal("A", "p", "Open", "open", Decimal(200), 220.0, day(1, 1, 2025), day(3, 1))
    change = FlowChange("A", "amount", day(2, 1), 1, Decimal(100), Decimal(200))
    then = state_at(deal, [], [change], CATEGORIES, day(1, 15))
    assert then is not None and then.amount_home == pytest.approx(110.0)  # 100 at 220/200


def test_before_its_first_event_a_deal_is_where_that_event_took_it_from() -> None:
    deal = FlowDeal("A", "p", "Won", "won", Decimal(1), 1.0, day(1, 1, 2025), day(3, 1))
    won = FlowEvent("A", 1, "Open", "Won", day(2, 1))
    assert state_at(deal, [won], [], CATEGORIES, day(1, 15)).outcome == "open"  # type: ignore[union-attr]
    assert state_at(deal, [won], [], CATEGORIES, day(12, 1, 2024)) is None  # not created


def test_created_and_won_inside_the_period_is_new_then_won() -> None:
    deal = FlowDeal("F", "p", "Won", "won", Decimal(70), 70.0, day(2, 1), day(2, 20))
    won = FlowEvent("F", 1, "Open", "Won", day(2, 20))
    lines = flow([deal], [won], [], CATEGORIES, START, END, day(6, 1))
    assert (lines["new"].count, lines["new"].amount) == (1, Decimal(70))
    assert (lines["won"].count, lines["won"].amount) == (-1, Decimal(-70))
    assert lines["start"].count == lines["end"].count == 0


def test_a_close_date_slipped_out_and_back_in_is_pushed_out_then_pulled_in() -> None:
    deal = FlowDeal("S", "p", "Open", "open", Decimal(10), 10.0, day(1, 1, 2025), day(3, 1))
    out = FlowChange(
        "S", "close_date", day(1, 10), 1, old_close_date=day(2, 1), new_close_date=day(5, 1)
    )
    back = FlowChange(
        "S", "close_date", day(2, 10), 2, old_close_date=day(5, 1), new_close_date=day(3, 1)
    )
    lines = flow([deal], [], [out, back], CATEGORIES, START, END, day(6, 1))
    assert lines["pushed_out"].count == -1 and lines["pulled_in"].count == 1
    assert lines["start"].amount == lines["end"].amount == Decimal(10)
