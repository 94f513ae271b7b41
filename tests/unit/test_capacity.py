"""The presales multiplier (DOMAIN section 2), the planning options and the workload."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.capacity import SegmentFacts, multiplier, norm_for, segment_capacity
from pipefit.domain.errors import PipefitError
from pipefit.domain.planning import Assumptions, TeamFacts, plan_options, productive_share
from pipefit.domain.quotas import Ramp
from pipefit.domain.workload import PresalesLoad, WorkloadLimits, assess_workload
from pipefit.services.capacity import capacity_scenario

D = Decimal
NORMS = CompensationConfig().capacity.norms_domain()


def test_the_article_s_high_volume_scenario_gives_375_000() -> None:
    m = capacity_scenario(D(10), D(750000), D("0.05"))
    assert m.influenced_quota == D(7500000)
    assert m.extra_revenue == D(375000)


def test_the_article_s_medium_volume_scenario_gives_450_000() -> None:
    m = capacity_scenario(D(5), D(900000), D("0.10"))
    assert m.influenced_quota == D(4500000)
    assert m.extra_revenue == D(450000)


def test_a_scenario_without_reps_per_presales_is_refused_naming_its_field() -> None:
    with pytest.raises(PipefitError, match="must be above 0, not 0") as refused:
        capacity_scenario(D(0), D(750000), D("0.05"))
    assert refused.value.field == "plan.reps_per_presales"


def test_a_negative_gain_is_refused() -> None:
    with pytest.raises(PipefitError, match=r"gain is -0\.05"):
        multiplier(D(10), D(750000), D("-0.05"))


@pytest.mark.parametrize(
    ("acv", "name", "ratio"),
    [
        (D(30000), "high volume, low value", "1:10"),
        (D(75000), "medium volume, medium value", "1:5"),
        (D(50500), "high volume, low value", "1:10"),  # between bands: the nearest
        (D(400000), "low volume, high value", "1:3"),
    ],
)
def test_the_norm_follows_the_average_contract_value(acv: Decimal, name: str, ratio: str) -> None:
    norm = norm_for(acv, NORMS)
    assert norm is not None
    assert (norm.name, norm.ratio) == (name, ratio)


def test_a_segment_short_of_presales_shows_its_ratio_beside_the_norm() -> None:
    # 30 SMB reps with 2 presales (1:15) at a $25k ACV: the norm is 1:10, so 3 presales
    # are wanted. At the actual ratio one presales influences 15 x 900,000 = 13.5M.
    facts = SegmentFacts("smb", reps=30, presales=2, acv=D(25000), rep_quota=D(900000))
    capacity = segment_capacity(facts, NORMS)
    assert capacity.actual_ratio == "1:15"
    assert capacity.actual is not None and capacity.at_norm is not None
    assert capacity.actual.influenced_quota == D(13500000)
    assert capacity.actual.extra_revenue == D(675000)  # 5%, the norm's gain
    assert capacity.at_norm.influenced_quota == D(9000000)
    assert capacity.presales_at_norm == D("3.0")
    assert capacity.presales_gap == D("1.0")


def test_a_new_hire_brings_nothing_in_the_first_sales_cycle_then_ramps() -> None:
    # Cycle 90 days -> 3 months of nothing; then 50%, 75% and 100% for the 6 months left:
    # (0.5 + 0.75 + 7 x 1) / 12 = 8.25 / 12
    share = productive_share(Ramp((D(50), D(75))), D(90))
    assert share == Fraction(825, 1200)


def team() -> TeamFacts:
    return TeamFacts(
        reps=20,
        presales=2,
        window="2025-01-01 to 2026-01-01",
        bookings=D(20000000),
        won=250,
        lost=750,
        cycle_days=D(90),
        avg_deal=D(80000),
        rep_bookings=tuple(D(x) for x in range(600000, 1600000, 50000)),
        rep_quota=D(1200000),
        rep_ote=D(240000),
        presales_ote=D(170000),
        presales_needed=Fraction(4),
    )


def test_the_three_options_are_costed_and_valued_side_by_side() -> None:
    options = plan_options(
        team(),
        hire_reps=2,
        hire_presales=1,
        assumptions=Assumptions(gain=D("0.10"), reps_per_presales=D(5), rep_ramp=Ramp((D(50),))),
    )
    reps, better, presales = options
    # Two reps: 480,000 of OTE. The 20 reps run 600,000 to 1,550,000; the median of an even
    # count is the mean of the two middle ones, (1,050,000 + 1,100,000) / 2 = 1,075,000;
    # a year brings (0.5 + 8 x 1) / 12 of it after a 90-day cycle.
    assert reps.cost == D(480000)
    assert reps.revenue_expected == D("1522916.67")  # 2 x 1,075,000 x 8.5 / 12
    # Presales 10% more productive: 20M x 10% = 2M; the McKinsey range 6%-13%.
    assert better.cost == D(10000)
    assert (better.revenue_low, better.revenue_expected, better.revenue_high) == (
        D("1200000.00"),
        D("2000000.00"),
        D("2600000.00"),
    )
    assert any("conversion +5 points on a 25.0% win rate" in line for line in better.how)
    # One presales: the norms want 4, the team has 2; the hire covers 20 / 4 = 5 reps, each
    # booking 20M / 20 = 1M (on bookings, as the other options), productive after 3
    # months: 5 x 1,000,000 x 9/12 x 10% = 375,000.
    assert presales.cost == D(170000)
    assert presales.revenue_expected == D("375000.00")


def test_hiring_presales_beyond_the_norm_is_worth_nothing_by_this_model() -> None:
    facts = team()
    facts = TeamFacts(**{**facts.__dict__, "presales": 4})
    presales = plan_options(facts, hire_reps=1, hire_presales=2, assumptions=Assumptions())[2]
    assert presales.revenue_expected == 0
    assert "so 0.00 are missing" in presales.how[0]


def test_engineers_over_either_limit_are_flagged_with_the_reason() -> None:
    loads = [
        PresalesLoad("emp-se1", "Sam", {"Discovery": 30, "Evaluation": 15}, meetings=20, weeks=4),
        PresalesLoad("emp-se2", "Kim", {"Discovery": 5}, meetings=60, weeks=4),
        PresalesLoad("emp-se3", "Lou", {"Discovery": 5}, meetings=4, weeks=4),
    ]
    assessed = assess_workload(loads, WorkloadLimits(40, D(12)))
    assert [(x.person_id, x.over) for x in assessed] == [
        ("emp-se1", ("45 open deals > 40",)),
        ("emp-se2", ("15.00 meetings a week > 12",)),
        ("emp-se3", ()),
    ]
