"""The visits oracle on small logs derived by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pipefit.domain.metrics.visits import LoggedEvent, cumulative, percentile, visits

T = datetime(2025, 1, 1, tzinfo=UTC)


def ev(
    seq: int, stage: str, days: float, substate: str | None = None, cat: str = "open"
) -> LoggedEvent:
    return LoggedEvent("X", seq, "sales", stage, substate, T + timedelta(days=days), cat)


def test_a_move_back_makes_a_second_visit_and_a_close_ends_the_last() -> None:
    found = visits([ev(1, "A", 0), ev(2, "B", 2), ev(3, "A", 3), ev(4, "Won", 7, cat="won")])
    stages = [(v.stage, v.days(T)) for v in found if v.level == "stage"]
    assert stages == [("A", 2), ("B", 1), ("A", 4)]
    assert cumulative(found, T)[("X", "sales", "A")].total_days == 6


def test_a_substate_change_is_not_a_new_stage_visit() -> None:
    found = visits(
        [ev(1, "P", 0, "review"), ev(2, "P", 1, "negotiation"), ev(3, "P", 2, "negotiation")]
    )
    assert [(v.level, v.substate, v.end) for v in found] == [
        ("stage", None, None),
        ("substate", "review", T + timedelta(days=1)),
        ("substate", "negotiation", None),  # the repeated event starts nothing
    ]


def test_events_are_read_in_time_order_and_ties_give_zero_length_visits() -> None:
    found = visits([ev(2, "B", 0), ev(1, "A", 0), ev(3, "C", -1)])
    assert [(v.stage, v.days(T)) for v in found if v.level == "stage"] == [
        ("C", 1),  # logged last but happened first
        ("A", 0),
        ("B", 0),  # open at T, entered at T
    ]


def test_continuous_percentiles() -> None:
    assert percentile([0, 1, 2, 2, 4, 10, 10], 0.75) == 7
    assert percentile([4, 20], 0.9) == 18.4
    assert percentile([], 0.5) is None
