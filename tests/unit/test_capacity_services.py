"""The capacity services on the in-memory unit of work: the small team of
`capacity_factories`, whose figures are worked out by hand in the comments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from pipefit.config.compensation import CapacityConfig, CompensationConfig
from pipefit.domain.errors import PipefitError
from pipefit.services.capacity import (
    capacity_scenario,
    plan_team,
    presales_workload,
    workspace_capacity,
)

from .capacity_factories import AS_OF, CONFIG, STAGES, D, day, uow

# -- the scenario -------------------------------------------------------------------------


def test_a_scenario_without_a_gain_takes_the_configured_default_gain() -> None:
    # 4 reps x 500,000 = 2,000,000 influenced; at the configured 8%, 160,000.
    m = capacity_scenario(D(4), D(500000), capacity=CapacityConfig(default_gain=D("0.08")))
    assert (m.influenced_quota, m.gain, m.extra_revenue) == (D(2000000), D("0.08"), D(160000))


def test_a_scenario_without_a_gain_or_a_config_takes_five_percent() -> None:
    assert capacity_scenario(D(10), D(750000)).extra_revenue == D(375000)


@pytest.mark.parametrize(
    ("quota", "gain", "field"),
    [(D(-1), D("0.05"), "plan.rep_quota"), (D(750000), D("-0.05"), "plan.gain")],
)
def test_a_scenario_with_a_negative_quota_or_gain_is_refused_naming_the_field(
    quota: Decimal, gain: Decimal, field: str
) -> None:
    with pytest.raises(PipefitError, match="cannot be negative") as refused:
        capacity_scenario(D(10), quota, gain)
    assert refused.value.field == field


# -- the workspace's segments -------------------------------------------------------------


def test_each_segment_shows_its_team_its_average_deal_and_its_quota() -> None:
    report = workspace_capacity(uow(), CONFIG, "USD", as_of=AS_OF)
    assert (report.window, report.quota_year) == ("2025-01-01 to 2026-01-01", 2025)
    smb, enterprise = sorted(report.segments, key=lambda s: s.facts.reps, reverse=True)
    # SMB: Ann and Bob (all their deals are SMB), Dee; 90,000 / 3 = 30,000 a deal; the
    # quotas average (800,000 + 600,000) / 2 = 700,000.
    assert (smb.facts.segment, smb.facts.reps, smb.facts.presales) == ("smb", 2, 1)
    assert (smb.facts.acv, smb.facts.rep_quota, smb.facts.won_deals) == (D(30000), D(700000), 3)
    # Enterprise: (200,000 + 100,000 x 1.1) / 2 = 155,000 a deal; Cid's 1,000,000.
    assert (enterprise.facts.segment, enterprise.facts.reps, enterprise.facts.presales) == (
        "enterprise",
        1,
        1,
    )
    assert (enterprise.facts.acv, enterprise.facts.rep_quota) == (D(155000), D(1000000))


def test_each_segment_is_valued_at_its_own_ratio_and_at_its_norm() -> None:
    report = workspace_capacity(uow(), CONFIG, "USD", as_of=AS_OF)
    by = {s.facts.segment: s for s in report.segments}
    smb, enterprise = by["smb"], by["enterprise"]
    # SMB at 30,000 a deal: the 1:10 norm with a 5% gain. Dee covers 2 reps: 2 x 700,000 =
    # 1,400,000 influenced, 70,000 extra; at the norm 10 x 700,000 = 7,000,000 and 350,000;
    # the norm asks for 2 / 10 = 0.2 presales.
    assert smb.norm is not None and smb.norm.ratio == "1:10"
    assert smb.actual is not None and smb.at_norm is not None
    assert (smb.actual.influenced_quota, smb.actual.extra_revenue) == (D(1400000), D(70000))
    assert (smb.at_norm.influenced_quota, smb.at_norm.extra_revenue) == (D(7000000), D(350000))
    assert (smb.presales_at_norm, smb.presales_gap) == (D("0.2"), D("-0.8"))
    # Enterprise at 155,000: the 1:3 norm with 10%: 1,000,000 influenced, 100,000 extra.
    assert enterprise.norm is not None and enterprise.norm.ratio == "1:3"
    assert enterprise.actual is not None
    assert enterprise.actual.extra_revenue == D(100000)
    assert enterprise.presales_at_norm == D("0.33")  # 1 / 3, to the hundredth
    # The team: 1,400,000 + 1,000,000 influenced; 70,000 + 100,000 extra.
    assert (report.influenced_quota, report.extra_revenue) == (D(2400000), D(170000))


def test_a_gain_asked_for_replaces_every_norm_s_gain() -> None:
    report = workspace_capacity(uow(), CONFIG, "USD", gain=D("0.10"), as_of=AS_OF)
    # 2,400,000 influenced x 10%.
    assert report.extra_revenue == D(240000)


def test_a_negative_gain_for_the_segments_is_refused_naming_the_gain() -> None:
    with pytest.raises(PipefitError, match=r"the gain is -0\.05; it cannot be negative") as no:
        workspace_capacity(uow(), CONFIG, "USD", gain=D("-0.05"), as_of=AS_OF)
    assert no.value.field == "plan.gain"


def test_without_a_date_the_window_ends_just_after_the_latest_close() -> None:
    report = workspace_capacity(uow(), CONFIG, "USD")
    assert report.as_of == day("2025-12-30") + timedelta(seconds=1)


def test_a_deal_in_a_currency_without_a_rate_is_refused_naming_the_rates() -> None:
    with pytest.raises(PipefitError, match="no rate for EUR") as refused:
        workspace_capacity(uow(), CompensationConfig(), "USD", as_of=AS_OF)
    assert refused.value.field == "compensation.rates"


# -- planning -----------------------------------------------------------------------------


def test_the_whole_team_s_history_feeds_the_planning_facts() -> None:
    report = plan_team(uow(), CONFIG, "USD", as_of=AS_OF)
    f = report.facts
    # 30,000 + 20,000 + 40,000 + 200,000 + 110,000 = 400,000 from 5 wins and 2 losses.
    assert (f.reps, f.presales, f.bookings, f.won, f.lost) == (3, 2, D(400000), 5, 2)
    assert f.cycle_days == D("60.0")  # (30 + 50 + 40 + 90 + 90) / 5
    assert f.avg_deal == D(80000)
    assert f.rep_bookings == (D(50000), D(40000), D(310000))  # Ann, Bob, Cid
    assert f.rep_quota == D(800000)  # (800,000 + 600,000 + 1,000,000) / 3
    # On-target earnings of those with pay: Ann 200,000 and Bob 160,000; Dee 150,000.
    assert (f.rep_ote, f.presales_ote) == (D(180000), D(150000))
    # SMB's 2 reps at 1:10 and enterprise's 1 rep at 1:3: 0.2 + 0.333... presales.
    assert f.presales_needed == Fraction(8, 15)  # exactly: 1/5 + 1/3
    # 80,000 a deal is the 1:5 norm's band; 3 reps / (8/15) presales = 45/8 = 1 per 5.625 reps,
    # shown to the hundredth (half even): 5.62.
    assert report.norm == "medium volume, medium value (1:5, the article)"
    assert "presales norm: 1 per 5.62 reps (blended over segments)" in report.assumptions
    assert "productivity gain asked about: 10%" in report.assumptions


def test_one_team_is_planned_from_its_own_reps_deals() -> None:
    report = plan_team(uow(), CONFIG, "USD", hire_reps=1, hire_presales=1, team="east", as_of=AS_OF)
    f = report.facts
    # East: Ann and Bob's 90,000 from 3 wins and a loss, (30 + 50 + 40) / 3 = 40 days.
    assert (f.reps, f.presales, f.bookings, f.won, f.lost) == (2, 1, D(90000), 3, 1)
    assert (f.cycle_days, f.avg_deal, f.rep_quota) == (D("40.0"), D(30000), D(700000))
    assert f.presales_needed == D("0.2")  # 2 reps at 1:10
    reps, better, presales = report.options
    # A rep: the median of (40,000, 50,000) is their mean, 45,000; nothing in the first two
    # months (40 days), then 50%, 75% and 8 full months: 45,000 x 9.25 / 12 = 34,687.50.
    assert (reps.cost, reps.revenue_expected) == (D(180000), D("34687.50"))
    # The first quartile, interpolated: 40,000 + 1/4 x 10,000 = 42,500; x 9.25 / 12.
    assert reps.revenue_low == D("32760.42")
    # Dee 5% more productive (the 1:10 norm's gain): 90,000 x 5% = 4,500; up to 13%.
    assert (better.cost, better.revenue_expected, better.revenue_high) == (
        D(5000),
        D(4500),
        D(11700),
    )
    # The norm asks for 0.2 presales and east has 1: another is worth nothing here.
    assert (presales.cost, presales.revenue_expected) == (D(150000), D(0))


@pytest.mark.parametrize(
    ("reps", "presales", "field"),
    [(-1, 1, "plan.hire_reps"), (1, -2, "plan.hire_presales")],
)
def test_a_negative_hire_is_refused_naming_the_field(reps: int, presales: int, field: str) -> None:
    with pytest.raises(PipefitError, match="cannot be negative") as refused:
        plan_team(uow(), CONFIG, "USD", hire_reps=reps, hire_presales=presales, as_of=AS_OF)
    assert refused.value.field == field


def test_an_unknown_team_is_refused_with_the_teams_there_are() -> None:
    with pytest.raises(PipefitError, match="no team 'north'; teams: east, west") as refused:
        plan_team(uow(), CONFIG, "USD", team="north", as_of=AS_OF)
    assert refused.value.field == "plan.team"


# -- workload -----------------------------------------------------------------------------


def test_each_engineer_s_open_deals_and_meetings_over_four_weeks() -> None:
    config = CompensationConfig(capacity=CapacityConfig(max_open_deals=2))
    report = presales_workload(uow(), config, as_of=AS_OF, stage_order=STAGES)
    assert (report.weeks, report.stages) == (4, ["Discovery", "Evaluation", "Proposal"])
    loads = {x.person_id: x for x in report.loads}
    # Dee: 2 in Discovery and 1 in Evaluation, over the limit of 2; a demo and a
    # technical discussion (held on her deal) in the four weeks: 2 / 4 = 0.5 a week.
    dee = loads["se-dee"]
    assert (dict(dee.open_by_stage), dee.meetings, dee.meetings_per_week) == (
        {"Discovery": 2, "Evaluation": 1},
        2,
        D("0.5"),
    )
    assert dee.over == ("3 open deals > 2",)
    # Eve: one demo in four weeks, 1 / 4 = 0.25 exactly (never rounded to a tenth).
    assert (loads["se-eve"].meetings, loads["se-eve"].meetings_per_week) == (1, D("0.25"))
    # Someone off the team still carries an open deal: named by id.
    assert loads["se-gone"].name == "se-gone"
    # The busiest and those over first.
    assert [x.person_id for x in report.loads] == ["se-dee", "se-eve", "se-gone"]
    assert report.limits == (
        "at most 2 open deals and 12 meetings (demo_held, technical_discussion) a week"
    )


def test_without_a_date_the_workload_ends_just_after_the_latest_activity() -> None:
    report = presales_workload(uow(), CONFIG, weeks=1)
    # The week to 2025-12-30: only Eve's demo that day.
    assert report.as_of == day("2025-12-30") + timedelta(seconds=1)
    assert {x.person_id: x.meetings for x in report.loads} == {
        "se-dee": 0,
        "se-eve": 1,
        "se-gone": 0,
    }


def test_a_negative_window_is_refused_naming_the_weeks() -> None:
    with pytest.raises(PipefitError, match="at least one week") as refused:
        presales_workload(uow(), CONFIG, weeks=-1, as_of=AS_OF)
    assert refused.value.field == "plan.weeks"
