"""Capacity figures under an audit (issue 10, items 7 and 8): a presales hire valued by the
measured workload, one stated basis for "what is a presales gain worth", and figures that
are exact rather than truncated (4/3 presales, 45/4 meetings, the median of an even count).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from pipefit.config.compensation import CapacityConfig, CompensationConfig
from pipefit.domain.capacity import SegmentFacts, segment_capacity
from pipefit.domain.planning import Assumptions, TeamFacts, Workload, plan_options
from pipefit.domain.workload import PresalesLoad, WorkloadLimits, assess_workload
from pipefit.services.capacity import plan_team, workspace_capacity
from pipefit.views.capacity import capacity_view, options_view

from .capacity_factories import AS_OF, CONFIG, uow
from .test_capacity_views import as_json, shown

D = Decimal
NORMS = CompensationConfig().capacity.norms_domain()


def balanced_team(workload: Workload | None) -> TeamFacts:
    """20 reps and 4 presales, exactly what the norms ask for (4)."""
    return TeamFacts(
        reps=20,
        presales=4,
        window="2025-01-01 to 2026-01-01",
        bookings=D(20000000),
        won=250,
        lost=750,
        cycle_days=D(90),
        avg_deal=D(80000),
        rep_bookings=(D(1000000),) * 20,
        rep_quota=D(1200000),
        rep_ote=D(240000),
        presales_ote=D(170000),
        presales_needed=Fraction(4),
        workload=workload,
    )


def test_an_overloaded_team_gains_from_a_presales_hire_even_when_the_norm_is_met() -> None:
    # Four engineers at 100, 60, 40 and 30 open deals against a limit of 40: 60 + 20 = 80
    # deals nobody has time for. One hire takes 40 of them. Each worked deal wins 5 points
    # more on the 80,000 average deal (4,000), the 40 turn over 365 / 90 times a year, and
    # the hire is productive for 9 of 12 months:
    # 40 x 4,000 x 9/12 = 120,000 (today's deals once: the low end);
    # x 365/90 = 486,666.67 (expected); x 1.2 (a 20% faster cycle) = 584,000 (high).
    load = Workload((100, 60, 40, 30), 40)
    assert (load.overload, load.needed) == (80, Fraction(23, 4))
    hire = plan_options(balanced_team(load), hire_reps=1, hire_presales=1,
                        assumptions=Assumptions())[2]  # fmt: skip
    assert (hire.revenue_low, hire.revenue_expected, hire.revenue_high) == (
        D("120000.00"),
        D("486666.67"),
        D("584000.00"),
    )
    assert "valued by the workload, the larger (not both: one person's hours)" in hire.how
    assert any("100, 60, 40, 30 open deals against a limit of 40" in h for h in hire.how)


def test_a_team_within_its_limits_and_its_norm_still_gains_nothing_from_a_hire() -> None:
    hire = plan_options(balanced_team(Workload((30, 20, 40, 10), 40)), hire_reps=1,
                        hire_presales=1, assumptions=Assumptions())[2]  # fmt: skip
    assert hire.revenue_expected == 0
    assert "valued by the norm, the larger (not both: one person's hours)" in hire.how


def test_two_hires_take_no_more_than_the_overload() -> None:
    # 80 deals over the limit; two hires could take 80 but only 70 are over a limit of 45:
    # (100 - 45) + (60 - 45) = 70. Low end: 70 x 4,000 x 9/12 = 210,000.
    hire = plan_options(balanced_team(Workload((100, 60, 40, 30), 45)), hire_reps=1,
                        hire_presales=2, assumptions=Assumptions())[2]  # fmt: skip
    assert hire.revenue_low == D("210000.00")


def test_the_planning_service_measures_the_team_s_open_deals_per_engineer() -> None:
    # East: Dee holds 3 open deals; at a limit of 2, one deal has no engineer's time. The
    # norm (0.2 presales for 2 reps) is met by Dee alone, so only the workload counts: the
    # hire takes that 1 deal, 5 points more on east's 30,000 average deal (1,500), turning
    # over 365 / 40 = 9.125 times a year, 9 of 12 months: 1 x 1,500 x 9.125 x 0.75 =
    # 10,265.625, to the cent (half even) 10,265.62.
    config = CONFIG.model_copy(update={"capacity": CapacityConfig(max_open_deals=2)})
    report = plan_team(uow(), config, "USD", team="east", as_of=AS_OF)
    assert report.facts.workload == Workload((3,), 2)
    presales = report.options[2]
    assert presales.revenue_expected == D("10265.62")
    document = as_json(options_view(report))
    assert document["history"]["open_deals_over_limit"] == 1
    assert document["history"]["presales_needed_by_workload"] == 1.5  # 3 deals / 2


def test_the_planning_comparison_states_its_basis_beside_the_multiplier_s() -> None:
    # All of it on bookings; the multiplier counts quota. East: 2 reps x 700,000 quota x 5%
    # = 70,000 on quota; the team booked 90,000 of its 1,400,000, 6.4%.
    report = plan_team(uow(), CONFIG, "USD", team="east", as_of=AS_OF)
    better = report.options[1]
    assert any(
        "basis: bookings" in h and "(2 reps x 700,000 x 5% = 70,000)" in h and "6.4%" in h
        for h in better.how
    )


def test_the_multiplier_prints_its_basis_and_the_same_gains_on_bookings() -> None:
    # SMB booked 90,000 at a 5% gain, enterprise 310,000 at 10%: 4,500 + 31,000 = 35,500
    # on bookings, against 170,000 on the 2,400,000 quota (400,000 booked is 16.7% of it).
    report = workspace_capacity(uow(), CONFIG, "USD", as_of=AS_OF)
    assert (report.quota, report.bookings) == (D(2400000), D(400000))
    assert report.extra_revenue_on_bookings == D("35500.00")
    text = shown(capacity_view(report, for_people=True))
    assert "Basis: quota" in text and "16.7% of it" in text and "35,500.00" in text


def test_four_reps_at_one_presales_per_three_ask_for_1_33_presales_not_1_30() -> None:
    facts = SegmentFacts("enterprise", reps=4, presales=1, acv=D(150000), rep_quota=D(2572000))
    capacity = segment_capacity(facts, NORMS)
    assert capacity.norm is not None and capacity.norm.ratio == "1:3"
    assert capacity.presales_at_norm == D("1.33")  # 4 / 3
    assert capacity.presales_gap == D("0.33")
    assert capacity.actual_ratio == "1:4"


def test_ten_reps_over_three_presales_are_one_to_3_33_not_3_3() -> None:
    facts = SegmentFacts("smb", reps=10, presales=3, acv=D(25000), rep_quota=D(900000))
    assert segment_capacity(facts, NORMS).actual_ratio == "1:3.33"


def test_45_meetings_in_4_weeks_are_11_25_a_week_not_11_20() -> None:
    load = PresalesLoad("emp-013", "Farid", {}, meetings=45, weeks=4)
    assert load.meetings_per_week == D("11.25")
    assert load.meetings_rate == Fraction(45, 4)


def test_a_rate_just_over_the_meeting_limit_is_flagged_though_it_shows_as_the_limit() -> None:
    # 3,001 meetings in 250 weeks = 12.004 a week: shown as 12.00, yet over the limit of 12.
    [load] = assess_workload([PresalesLoad("se", "S", {}, 3001, 250)], WorkloadLimits(40, D(12)))
    assert load.meetings_per_week == D("12.00")
    assert load.over == ("3001 meetings in 250 weeks (12.00 a week) > 12",)


def test_the_median_rep_of_an_even_count_is_the_mean_of_the_two_middle_reps() -> None:
    # Sorted: 1,200,000, 1,421,270, 1,460,000, 1,600,000: the median is
    # (1,421,270 + 1,460,000) / 2 = 1,440,635, not the upper middle 1,460,000. The quartiles
    # interpolate: 1,200,000 + 3/4 x 221,270 = 1,365,952.50 and 1,460,000 + 1/4 x 140,000
    # = 1,495,000.
    facts = replace(
        balanced_team(None),
        rep_bookings=(D(1600000), D(1200000), D(1460000), D(1421270)),
    )
    assert facts.quartiles() == (D("1365952.5"), D(1440635), D(1495000))
    reps = plan_options(facts, hire_reps=1, hire_presales=0, assumptions=Assumptions())[0]
    assert reps.how[0].startswith("a rep books 1,440,635 a year (the median rep")


def test_revenue_per_cost_is_printed_beside_what_the_cost_is_made_of() -> None:
    # East: enablement 5,000 for its one engineer; 90,000 booked x 5% = 4,500: 0.90 per 1.
    view = options_view(plan_team(uow(), CONFIG, "USD", team="east", as_of=AS_OF))
    [_, better, _] = as_json(view)["options"]
    assert (better["revenue_per_cost"], better["cost_basis"]) == (
        0.9,
        "enablement 5,000 x 1 presales (assumption)",
    )
    assert "enablement 5,000 x 1 presales (assumption)" in shown(view)
