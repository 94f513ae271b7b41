from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipefit.domain.money import RoundingRule
from pipefit.domain.periods import Period
from pipefit.domain.pools import PoolCoverage, PoolError, pool_target, street_quota
from pipefit.domain.quotas import NoQuota, QuotaBook, QuotaChange, QuotaError, Ramp, team_quota

from .comp_factories import RULE, at, period

D = Decimal
YEAR = Period(2026, "year")


def yearly(amount: str, **kw: object) -> QuotaBook:
    return QuotaBook("person", "emp-ada", {YEAR: D(amount)}, rule=RULE, **kw)  # type: ignore[arg-type]


def test_a_quarter_without_its_own_row_is_a_quarter_of_the_year() -> None:
    book = yearly("1500000")
    q3 = book.resolve(period("2026Q3"))
    assert q3.amount == D("375000.00")
    assert "2026Q3: 1/4 of the 2026 quota (1,500,000.00)" in q3.notes


def test_a_period_s_own_row_wins_over_its_year() -> None:
    book = QuotaBook(
        "person", "emp-ada", {YEAR: D(1500000), period("2026Q3"): D(400000)}, rule=RULE
    )
    assert book.resolve(period("2026Q3")).amount == D("400000")
    assert book.resolve(period("2026Q2")).amount == D("375000.00")


def test_a_year_without_a_row_is_the_sum_of_its_quarters() -> None:
    rows = {period("2026Q2"): D(100000), period("2026Q3"): D(120000)}
    resolved = QuotaBook("person", "emp-ada", rows, rule=RULE).resolve(YEAR)
    assert resolved.amount == D(220000)
    assert "the sum of 2026Q2 100,000.00 + 2026Q3 120,000.00" in resolved.notes[-1]


def test_a_period_with_no_quota_anywhere_is_an_error_that_names_the_periods_tried() -> None:
    with pytest.raises(NoQuota, match=r"person 'emp-ada' has no quota for 2027Q1.*2027Q1, 2027"):
        yearly("1500000").resolve(period("2027Q1"))


def test_a_negative_quota_is_refused_with_its_owner_and_period() -> None:
    with pytest.raises(QuotaError, match=r"person 'emp-ada': the 2026 quota is -5,000.00"):
        yearly("-5000")


def test_a_mid_quarter_change_applies_from_its_date_and_is_recorded_in_the_notes() -> None:
    # July at 300,000, August and September at 400,000; each month is a third of the
    # quarter: (300,000 + 400,000 + 400,000) / 3 = 366,666.666... -> 366,666.67
    change = QuotaChange(
        "person", "emp-ada", "2026Q3", at("2026-08-01", 0), D(400000), reason="new territory"
    )
    book = QuotaBook(
        "person", "emp-ada", {period("2026Q3"): D(300000)}, changes=[change], rule=RULE
    )
    resolved = book.resolve(period("2026Q3"))
    assert resolved.amount == D("366666.67")
    assert any("changed to 400,000.00 from 2026-08-01 (new territory)" in n for n in resolved.notes)


def test_a_change_within_a_month_is_prorated_by_day() -> None:
    # 2026-08-16 onwards: August has 15 days at 300,000 and 16 at 400,000.
    # (300,000 + (300,000 x 15 + 400,000 x 16) / 31 + 400,000) / 3
    #   = (300,000 + 351,612.9032... + 400,000) / 3 = 350,537.6344... -> 350,537.63
    change = QuotaChange("person", "emp-ada", "2026Q3", at("2026-08-16", 0), D(400000))
    book = QuotaBook(
        "person", "emp-ada", {period("2026Q3"): D(300000)}, changes=[change], rule=RULE
    )
    resolved = book.resolve(period("2026Q3"))
    assert resolved.amount == D("350537.63")
    assert any(
        "2026-08: 15 days of 300,000.00; 2026-08: 16 days of 400,000.00" in n
        for n in resolved.notes
    )


def test_a_new_hire_ramps_from_nothing_before_the_hire_date() -> None:
    # Hired 2026-07-15, ramp 50% then 75% (months after the hire), then 100%; each
    # calendar month is a third of the quarter, prorated by day:
    #   July: 14 days at 0%, 17 at 50%            -> 8.5 / 31 of a month
    #   August: 14 days at 50%, 17 at 75%         -> 19.75 / 31
    #   September: 14 days at 75%, 16 at 100%     -> 26.5 / 30
    # 125,000 x (28.25 / 31 + 26.5 / 30) = 113,911.29... + 110,416.66... = 224,327.956...
    book = QuotaBook(
        "person",
        "emp-ada",
        {period("2026Q3"): D(375000), period("2026Q4"): D(375000)},
        hired_at=date(2026, 7, 15),
        ramp=Ramp((D(50), D(75))),
        rule=RULE,
    )
    resolved = book.resolve(period("2026Q3"))
    assert resolved.amount == D("224327.96")
    assert any("hired 2026-07-15" in n for n in resolved.notes)
    assert book.resolve(period("2026Q4")).amount == D("375000")


def test_a_ramp_out_of_range_names_the_key() -> None:
    with pytest.raises(QuotaError, match=r"compensation\.ramp_months\[1\] is 120"):
        Ramp((D(50), D(120)))


@given(
    amount=st.decimals(min_value=0, max_value=10**10, places=2),
    kind=st.sampled_from(["quarter", "month"]),
)
def test_prorated_quotas_sum_to_the_annual_quota(amount: Decimal, kind: str) -> None:
    book = yearly(str(amount))
    parts = [book.resolve(p).amount for p in YEAR.parts(kind)]
    assert sum(parts) == amount


@given(
    amount=st.decimals(min_value=1, max_value=10**9, places=2),
    new=st.decimals(min_value=0, max_value=10**9, places=2),
    day=st.integers(min_value=0, max_value=364),
)
def test_shares_of_a_changed_year_still_add_up_to_the_prorated_year(
    amount: Decimal, new: Decimal, day: int
) -> None:
    effective = date(2026, 1, 1).toordinal() + day
    change = QuotaChange(
        "person", "emp-ada", "2026", at(date.fromordinal(effective).isoformat(), 0), new
    )
    book = yearly(str(amount), changes=[change])
    assert sum(book.resolve(q).amount for q in YEAR.parts("quarter")) == book.resolve(YEAR).amount


def test_a_team_quota_is_the_sum_of_its_members() -> None:
    members = [yearly("1500000").resolve(period("2026Q3")) for _ in range(3)]
    assert team_quota(members) == D("1125000.00")


# -- pools and street quotas (DOMAIN section 1) -------------------------------------


def pool(reps: int = 10, discount: str | None = None) -> PoolCoverage:
    return PoolCoverage(
        "pool-emea",
        "EMEA presales",
        ("emp-se1", "emp-se2"),
        tuple(f"emp-rep{i}" for i in range(reps)),
        None if discount is None else D(discount),
    )


def test_ten_reps_at_one_and_a_half_million_make_a_discounted_street_quota() -> None:
    covered = {f"emp-rep{i}": D(1500000) for i in range(10)}
    target = pool_target(
        pool(discount="10"),
        YEAR,
        covered,
        explicit=None,
        default_discount_pct=D(0),
        rule=RULE,
    )
    assert target.covered_sum == D(15000000)
    assert target.street_quota == D("13500000.00")
    assert target.in_force == target.street_quota
    assert target.basis == "street quota"


def test_an_explicit_target_is_in_force_and_the_street_quota_is_shown_beside_it() -> None:
    covered = {f"emp-rep{i}": D(1500000) for i in range(10)}
    explicit = QuotaBook("pool", "pool-emea", {YEAR: D(13000000)}, rule=RULE).resolve(YEAR)
    target = pool_target(
        pool(), YEAR, covered, explicit=explicit, default_discount_pct=D(10), rule=RULE
    )
    assert target.in_force == D(13000000)
    assert target.street_quota == D("13500000.00")
    notes = " ".join(target.notes())
    assert "explicit target 13,000,000.00 is in force" in notes
    assert "street quota 13,500,000.00 shown for comparison" in notes
    assert "less 10% (compensation.default_discount_pct)" in notes


def test_a_pool_that_covers_no_reps_is_an_error_naming_the_pool() -> None:
    with pytest.raises(PoolError, match=r"pool 'pool-emea' \(EMEA presales\) covers no reps"):
        pool_target(pool(reps=0), YEAR, {}, explicit=None, default_discount_pct=D(10), rule=RULE)


def test_a_discount_of_a_hundred_percent_or_more_is_refused() -> None:
    with pytest.raises(PoolError, match=r"discount_pct is 100"):
        pool_target(
            pool(discount="100"), YEAR, {}, explicit=None, default_discount_pct=D(0), rule=RULE
        )


@given(
    quotas=st.lists(st.decimals(min_value=0, max_value=10**8, places=2), max_size=20),
    discount=st.decimals(min_value=0, max_value=Decimal("99.99"), places=2),
)
def test_a_street_quota_never_exceeds_the_quotas_it_is_drawn_from(
    quotas: list[Decimal], discount: Decimal
) -> None:
    total = sum(quotas, D(0))
    assert street_quota(total, discount, RoundingRule()) <= total
