"""Plans checked by hand: every expected figure below is worked out in the comment."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pipefit.config.compensation import CompensationConfig, load_plan_file
from pipefit.domain.errors import ConfigError
from pipefit.domain.payout import compute_payout
from pipefit.domain.plans import Plan, PlanError, TierMode
from pipefit.services.compensation import calc_plan, compare_roles

from .comp_factories import RULE, linear_plan, rep_plan, tiers

D = Decimal


def amounts(plan: Plan, *, quota: int, bookings: str | int, target: int) -> list[Decimal]:
    payout = compute_payout(plan, quota=D(quota), credited=D(bookings), target=D(target), rule=RULE)
    return [line.amount for line in payout.lines]


def test_a_tiered_marginal_plan_pays_each_band_at_its_own_rate() -> None:
    # Quota 400,000, target 40,000: the on-target rate is 10% of bookings.
    # Bookings 520,000 = 130%:
    #   0-50%   : 200,000 x 0.5 x 10% = 10,000
    #   50-100% : 200,000 x 1.5 x 10% = 30,000
    #   100%+   : 120,000 x 2.0 x 10% = 24,000      -> 64,000
    assert amounts(rep_plan(), quota=400000, bookings=520000, target=40000) == [
        D("10000.00"),
        D("30000.00"),
        D("24000.00"),
    ]


def test_the_rep_plan_pays_exactly_its_target_at_one_hundred_percent() -> None:
    assert sum(amounts(rep_plan(), quota=400000, bookings=400000, target=40000)) == D(40000)
    assert rep_plan().pays_at_target() == 1


def test_a_capped_plan_takes_the_excess_back_in_a_cap_line() -> None:
    # Same as above (64,000) with a cap of 150% of target = 60,000: a -4,000 cap line.
    plan = rep_plan(cap_pct=D(150))
    payout = compute_payout(plan, quota=D(400000), credited=D(520000), target=D(40000), rule=RULE)
    assert [line.kind for line in payout.lines] == ["tier", "tier", "tier", "cap"]
    assert payout.lines[-1].amount == D("-4000.00")
    assert payout.total == D("60000.00")


def test_a_flat_plan_pays_the_rate_reached_on_all_bookings() -> None:
    # Flat: nothing below 50%, 1.0 from 50%, 1.5 from 100%. Quota 400,000, target 40,000.
    #   130% -> 520,000 x 1.5 x 10% = 78,000
    #    75% -> 300,000 x 1.0 x 10% = 30,000
    #   just under 50% -> 0
    plan = Plan("flat", tiers((0, 50, 0), (50, 100, 1), (100, None, "1.5")), mode=TierMode.FLAT)
    assert amounts(plan, quota=400000, bookings=520000, target=40000) == [D("78000.00")]
    assert amounts(plan, quota=400000, bookings=300000, target=40000) == [D("30000.00")]
    assert amounts(plan, quota=400000, bookings="199999.99", target=40000) == [D("0.00")]


def test_a_line_with_a_non_terminating_rate_is_rounded_once_half_to_even() -> None:
    # Quota 300,000, target 10,000: 1/30 of bookings. 100,000.05 / 30 = 3,333.335 exactly
    # -> half to even: 3,333.34 (4 is even); 100,000.35 / 30 = 3,333.345 -> 3,333.34.
    plan = linear_plan()
    assert amounts(plan, quota=300000, bookings="100000.05", target=10000) == [D("3333.34")]
    assert amounts(plan, quota=300000, bookings="100000.35", target=10000) == [D("3333.34")]


def test_presales_pay_stays_linear_past_one_hundred_percent() -> None:
    plan = linear_plan()
    assert amounts(plan, quota=1000000, bookings=1500000, target=10000) == [D("15000.00")]


def test_the_article_comparison_at_one_hundred_and_one_hundred_and_fifty_percent() -> None:
    # Rep: 120,000 base + 120,000 variable, accelerator x2 past 100%:
    #   100% -> 120,000 variable = 100% of base; 150% -> 120,000 + 50% x 2 x 120,000
    #   = 240,000 = 200% of base.
    # Presales: 120,000 base + 40,000 variable, linear:
    #   100% -> 40,000 = 33.33% of base; 150% -> 60,000 = 50% of base.
    rows = compare_roles(CompensationConfig())
    shown = [(r.role, r.attainment_pct, r.variable_pay, r.variable_pct_of_base) for r in rows]
    assert shown == [
        ("sales_rep", D(100), D("120000.00"), D("100.00")),
        ("sales_rep", D(150), D("240000.00"), D("200.00")),
        ("presales", D(100), D("40000.00"), D("33.33")),
        ("presales", D(150), D("60000.00"), D("50.00")),
    ]
    assert [r.total_pct_of_base for r in rows] == [D(200), D(300), D("133.33"), D(150)]


# -- bad plans: the error names the plan and the field ------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            tiers((0, 100, 1), (90, None, 2)),
            r"plan 'bad': tiers\[1\]\.from: is 90% but tiers\[0\] ends at 100%: "
            r"the tiers overlap from 90% to 100%",
        ),
        (
            tiers((0, 100, 1), (110, None, 2)),
            r"plan 'bad': tiers\[1\]\.from: is 110% but tiers\[0\] ends at 100%: a gap",
        ),
        (tiers((10, None, 1)), r"plan 'bad': tiers\[0\]\.from: is 10; the first tier must start"),
        (tiers((0, 100, 1)), r"plan 'bad': tiers\[0\]\.to: is 100%; the last tier must have no"),
        (tiers((0, None, -1)), r"plan 'bad': tiers\[0\]\.rate: is -1; a rate cannot be negative"),
        ((), r"plan 'bad': tiers: a plan needs at least one tier"),
    ],
)
def test_a_broken_tier_table_is_refused_naming_the_plan_and_field(
    table: tuple[object, ...], message: str
) -> None:
    with pytest.raises(PlanError, match=message):
        Plan("bad", table)  # type: ignore[arg-type]


def test_a_flat_plan_whose_pay_would_fall_must_say_so() -> None:
    falling = tiers((0, 100, 2), (100, None, 1))
    with pytest.raises(PlanError, match=r"tiers\[1\]\.rate: is 1, below tiers\[0\]'s 2"):
        Plan("falling", falling, mode=TierMode.FLAT)
    assert Plan("falling", falling, mode=TierMode.FLAT, allow_decreasing=True)


def test_a_negative_quota_is_refused_naming_the_plan() -> None:
    with pytest.raises(PlanError, match=r"plan 'rep-standard': quota: is -5,000.00"):
        compute_payout(rep_plan(), quota=D(-5000), credited=D(0), target=D(1), rule=RULE)


def test_a_zero_quota_is_refused_because_attainment_is_undefined() -> None:
    with pytest.raises(PlanError, match=r"quota: is 0, so attainment is undefined"):
        compute_payout(rep_plan(), quota=D(0), credited=D(0), target=D(1), rule=RULE)


def test_a_plan_file_is_computed_without_a_workspace(tmp_path: Path) -> None:
    plan_file = tmp_path / "rep-2026.toml"
    plan_file.write_text(
        'name = "rep-2026"\nvariable_target = 40000\ncap_pct = 150\n'
        "tiers = [{from = 0, to = 100, rate = 1}, {from = 100, rate = 2}]\n"
    )
    calc = calc_plan(load_plan_file(plan_file), quota=D(400000), bookings=D(600000))
    # 400,000 x 10% + 200,000 x 2 x 10% = 80,000, capped at 150% x 40,000 = 60,000.
    assert calc.payout.total == D("60000.00")
    assert calc.pct_of_target == D("150.00")


def test_a_broken_plan_file_names_the_file_the_plan_and_the_field(tmp_path: Path) -> None:
    plan_file = tmp_path / "broken.toml"
    plan_file.write_text("tiers = [{from = 0, to = 100, rate = 1}, {from = 90, rate = 2}]\n")
    with pytest.raises(ConfigError, match=r"broken\.toml: plan 'broken': tiers\[1\]\.from"):
        load_plan_file(plan_file)
    plan_file.write_text("tiers = [{from = 0, rate = 'fast'}]\n")
    with pytest.raises(ConfigError, match=r"plan 'broken': tiers\.0\.rate"):
        load_plan_file(plan_file)


def test_a_plan_without_a_variable_target_asks_for_one() -> None:
    with pytest.raises(PlanError, match=r"plan 'linear': variable_target: is not set"):
        calc_plan(linear_plan(), quota=D(100), bookings=D(50))
