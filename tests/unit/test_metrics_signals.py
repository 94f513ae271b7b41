"""The signals oracle: furthest steps, progression counts, Wilson and Newcombe intervals
against the worked examples of Newcombe (1998)."""

from __future__ import annotations

import pytest

from pipefit.domain.metrics.signals import furthest_step, lift, progression, wilson


def test_wilson_matches_newcombes_worked_example() -> None:
    # Newcombe 1998 (Statistics in Medicine 17:857), table I: 81/263 -> 0.2553 to 0.3662.
    low, high = wilson(81, 263) or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert wilson(0, 0) is None


def test_the_lift_interval_is_newcombes_hybrid_score() -> None:
    # Newcombe 1998 (Statistics in Medicine 17:873), example (a): 56/70 - 48/80 = 0.2,
    # method 10 interval 0.0524 to 0.3339.
    found = lift(56, 70, 48, 80)
    assert found.difference == pytest.approx(0.2)
    assert (round(found.low or 0, 4), round(found.high or 0, 4)) == (0.0524, 0.3339)
    assert lift(1, 2, 0, 0).difference is None


def test_the_furthest_step_and_where_deals_dropped_out() -> None:
    assert furthest_step(["meeting_booked", "technical_discussion", "site_visit"]) == 3
    assert furthest_step([]) == 0
    counts = progression([(2, "lost"), (5, "won"), (0, "open"), (1, "lost"), (3, "open")])
    assert [counts[s].reached for s in range(6)] == [5, 4, 3, 2, 1, 1]
    assert [counts[s].dropped_out for s in range(6)] == [0, 1, 1, 0, 0, 0]
