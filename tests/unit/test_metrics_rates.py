"""Win rates, Wilson intervals and the verdict of two intervals, against known values."""

from __future__ import annotations

import pytest

from pipefit.domain.metrics.rates import (
    compare,
    wilson_interval,
    win_rate,
    win_rate_counting_stalled,
)
from pipefit.domain.metrics.stats import percentile_cont
from pipefit.domain.metrics.velocity import sales_velocity


def test_win_rate_leaves_open_deals_out_and_is_null_without_decided_deals() -> None:
    assert win_rate(3, 1) == 0.75
    assert win_rate(0, 0) is None
    assert win_rate_counting_stalled(3, 1, 1) == 0.6
    assert win_rate_counting_stalled(0, 0, 0) is None


def test_the_wilson_interval_of_one_win_in_one_deal_is_wide() -> None:
    # 1/1: centre (1 + z²/2)/(1 + z²), spread z·sqrt(z²/4)/(1 + z²) = (z²/2)/(1 + z²);
    # low = 1/(1 + z²) = 1/4.8415 = 0.2065.
    low, high = wilson_interval(1, 1) or (0, 0)
    assert low == pytest.approx(0.20654, abs=1e-5)
    assert high == pytest.approx(1.0)


def test_the_wilson_interval_narrows_with_more_deals() -> None:
    # Published value: 40 of 100 -> (0.3094, 0.4980).
    low, high = wilson_interval(40, 100) or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.3094, 0.498)
    assert wilson_interval(0, 0) is None


def test_a_pair_is_better_only_when_its_interval_clears_both_others() -> None:
    assert compare((0.7, 0.9), (0.2, 0.4), (0.3, 0.5)) == "better"
    assert compare((0.1, 0.2), (0.3, 0.4), (0.25, 0.5)) == "worse"
    assert compare((0.4, 0.9), (0.2, 0.5), (0.1, 0.3)) == "no evidence"
    assert compare((0.7, 0.9), (0.2, 0.4), None) == "no evidence"


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile_cont([5, 5, 10, 10, 20, 20, 32], 0.9) == pytest.approx(24.8)
    assert percentile_cont([3, 20, 35], 0.9) == pytest.approx(32.0)
    assert percentile_cont([], 0.5) is None


def test_velocity_needs_every_factor_and_a_nonzero_cycle() -> None:
    assert sales_velocity(2, 0.75, 2000.0, 30.0) == pytest.approx(100.0)
    assert sales_velocity(2, None, 2000.0, 30.0) is None
    assert sales_velocity(2, 0.75, 2000.0, 0.0) is None
