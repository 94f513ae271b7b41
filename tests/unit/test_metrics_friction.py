"""The friction oracle: two lognormals (fixed seed) are split, one is not; the long-stage
rule; the period before."""

from __future__ import annotations

import math
import random

from pipefit.domain.metrics.friction import is_long, log_sd, previous_period, two_humps
from pipefit.domain.periods import parse_period


def test_two_lognormals_are_split_and_one_is_not() -> None:
    rng = random.Random(9)
    one = [rng.lognormvariate(math.log(5), 0.6) for _ in range(200)]
    two = [rng.lognormvariate(math.log(2), 0.35) for _ in range(120)]
    two += [rng.lognormvariate(math.log(20), 0.35) for _ in range(80)]
    unimodal, bimodal = two_humps(one), two_humps(two)
    assert unimodal is not None and not unimodal.suggested and unimodal.delta_bic < 0
    assert bimodal is not None and bimodal.suggested
    assert (bimodal.low_share, bimodal.high_share) == (0.6, 0.4)
    assert 1.5 < bimodal.low_median_days < 2.5 < 16 < bimodal.high_median_days < 24


def test_too_few_visits_or_equal_durations_give_no_split() -> None:
    assert two_humps([1.0] * 19) is None
    assert two_humps([1.0] * 50) is None  # no threshold separates equal durations
    assert log_sd([]) is None


def test_a_long_stage_is_over_twice_the_typical_median() -> None:
    assert is_long({"a": 2.0, "b": 3.0, "c": 10.0}) == {"c": 10 / 3}
    assert is_long({"a": 2.0, "b": 3.0, "c": 6.0}) == {}  # 6 is not over 2 * 3
    assert is_long({"a": 9.0}) == {}


def test_the_period_before() -> None:
    assert previous_period(parse_period("2025Q1")).label == "2024Q4"
    assert previous_period(parse_period("2025-03")).label == "2025-02"
    assert previous_period(parse_period("2025")).label == "2024"
