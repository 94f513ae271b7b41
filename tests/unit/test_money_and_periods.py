from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipefit.domain.errors import ConfigError, PipefitError
from pipefit.domain.money import RoundingRule, allocate
from pipefit.domain.periods import Period, parse_period, period_of

from .comp_factories import at

D = Decimal


def test_the_default_rule_rounds_half_to_even_to_the_cent() -> None:
    rule = RoundingRule()
    assert rule(D("2.345")) == D("2.34")
    assert rule(D("2.355")) == D("2.36")
    assert rule(Fraction(1, 3)) == D("0.33")
    assert rule(Fraction(5, 1000)) == D("0.00")  # exactly half a cent, to even
    assert "half to even" in rule.describe()


def test_other_rules_round_as_named_and_to_any_step() -> None:
    assert RoundingRule(D("0.01"), "half_up")(D("2.345")) == D("2.35")
    assert RoundingRule(D("0.01"), "down")(D("-2.359")) == D("-2.35")
    assert RoundingRule(D("1"), "half_up")(D("2.5")) == D("3")
    assert RoundingRule(D("0.05"), "half_up")(D("1.025")) == D("1.05")
    assert RoundingRule(D("100"), "half_even")(D("1250")) == D("1200")


def test_an_unknown_rounding_mode_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"compensation\.rounding: 'nearest'"):
        RoundingRule(D("0.01"), "nearest")


@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2),
    weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12),
)
def test_allocated_parts_always_add_up_to_the_total(total: Decimal, weights: list[int]) -> None:
    parts = allocate(total, weights, RoundingRule())
    if sum(weights) == 0:
        assert all(p == 0 for p in parts)
    else:
        assert sum(parts) == total
        assert all(p >= 0 for p in parts)


def test_a_third_of_a_hundred_leaves_the_cent_to_the_first_part() -> None:
    assert allocate(D("100"), [1, 1, 1], RoundingRule()) == [D("33.34"), D("33.33"), D("33.33")]


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2026", "year", "2026-01-01", "2027-01-01"),
        ("2026Q3", "quarter", "2026-07-01", "2026-10-01"),
        ("2026-q4", "quarter", "2026-10-01", "2027-01-01"),
        ("2026-07", "month", "2026-07-01", "2026-08-01"),
        ("2026-12", "month", "2026-12-01", "2027-01-01"),
    ],
)
def test_periods_are_years_quarters_and_months(text: str, kind: str, start: str, end: str) -> None:
    period = parse_period(text)
    assert period.kind == kind
    assert str(period.start) == start
    assert str(period.end) == end


def test_an_unreadable_period_says_which_forms_are_accepted() -> None:
    with pytest.raises(PipefitError, match=r"'2026Q5' is not a year \(2026\), a quarter"):
        parse_period("2026Q5")


def test_a_quarter_knows_its_year_its_months_and_the_quarters_before_it() -> None:
    q3 = parse_period("2026Q3")
    assert q3.parent() == Period(2026, "year")
    assert [m.label for m in q3.children()] == ["2026-07", "2026-08", "2026-09"]
    assert [p.label for p in q3.earlier_in_year()] == ["2026Q1", "2026Q2"]
    assert q3.days == 92
    assert len(Period(2026, "year").parts("month")) == 12


def test_a_moment_falls_in_the_period_of_its_utc_date() -> None:
    assert period_of(at("2026-09-30", 23), "quarter").label == "2026Q3"
    assert parse_period("2026Q3").holds(at("2026-07-01", 0))
    assert not parse_period("2026Q3").holds(at("2026-10-01", 0))
