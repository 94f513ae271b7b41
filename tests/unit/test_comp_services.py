"""The pay services on the in-memory store: a small team with a presales pool."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.model import Person, Pool, PoolMember, Quota, Role, Team
from pipefit.services.compensation import (
    quota_overview,
    record_quota_change,
    run_period,
    statement_for,
)
from pipefit.store.memory.pay import MemoryCompensation

from .comp_factories import at, deal

D = Decimal
CONFIG = CompensationConfig(ramp_months=[])


def company() -> MemoryCompensation:
    """Two reps (1.5M a year each) covered by one presales engineer; a 10% street discount."""
    people = [
        Person(
            "emp-ada",
            "Ada",
            Role.SALES_REP,
            "team-emea",
            D(120000),
            D(120000),
            "USD",
            date(2020, 1, 1),
        ),
        Person(
            "emp-bob",
            "Bob",
            Role.SALES_REP,
            "team-emea",
            D(120000),
            D(120000),
            "USD",
            date(2020, 1, 1),
        ),
        Person(
            "emp-sam",
            "Sam",
            Role.PRESALES,
            "team-emea",
            D(120000),
            D(40000),
            "USD",
            date(2020, 1, 1),
        ),
        Person("emp-max", "Max", Role.MANAGER, "team-emea", D(150000), D(50000)),
    ]
    return MemoryCompensation(
        people_list=people,
        team_list=[Team("team-emea", "EMEA", None, "emp-max")],
        pool_list=[Pool("pool-emea", "EMEA presales", D(10))],
        member_list=[
            PoolMember("pool-emea", "emp-sam", "member"),
            PoolMember("pool-emea", "emp-ada", "covered_rep"),
            PoolMember("pool-emea", "emp-bob", "covered_rep"),
        ],
        quota_list=[
            Quota("emp-ada", "2026", D(1500000)),
            Quota("emp-bob", "2026", D(1500000)),
        ],
        deal_list=[
            deal("ACME-RENEWAL-Q3", 300000, "2026-07-20", "emp-ada"),
            deal("GLOBEX-NEW", 240000, "2026-08-05", "emp-bob"),
            deal("INITECH-Q2", 999000, "2026-06-30", "emp-bob"),
        ],
    )


def test_a_presales_engineer_is_measured_on_the_pool_s_street_quota() -> None:
    # Q3 quotas: 375,000 each; street quota (750,000 less 10%) = 675,000.
    # Credited with both reps' Q3 deals: 540,000 = 80%. Linear: 80% of 10,000 = 8,000.
    s = statement_for(company(), CONFIG, "USD", "emp-sam", "2026Q3")
    assert [d.deal.opportunity_id for d in s.deals] == ["ACME-RENEWAL-Q3", "GLOBEX-NEW"]
    assert (s.quota, s.credited) == (D("675000.00"), D(540000))
    assert any(
        "street quota = 2 covered reps' 2026Q3 quotas 750,000.00 less 10%" in n
        for n in s.quota_notes
    )
    assert s.variable_pay == D("8000.00")


def test_a_rep_is_paid_on_their_own_deals_and_the_run_covers_reps_and_presales() -> None:
    run = run_period(company(), CONFIG, "USD", "2026Q3")
    by_person = {s.person_id: s for s in run.statements}
    assert set(by_person) == {"emp-ada", "emp-bob", "emp-sam"}
    assert by_person["emp-ada"].credited == D(300000)
    assert by_person["emp-bob"].credited == D(240000)
    assert all(s.adds_up() for s in run.statements)
    assert run.skipped == []


def test_a_presales_engineer_in_no_pool_is_not_paid_and_the_run_says_why() -> None:
    source = company()
    source.member_list = [m for m in source.member_list if m.kind == "covered_rep"]
    run = run_period(source, CONFIG, "USD", "2026Q3")
    assert run.skipped == [
        (
            "emp-sam",
            "presales",
            "plan 'presales-standard' (emp-sam): pool: this presales engineer is a member of "
            "no pool, so nothing can be credited to them",
        )
    ]


def test_a_pool_covering_no_reps_names_the_plan_and_the_pool() -> None:
    source = company()
    source.member_list = [m for m in source.member_list if m.kind == "member"]
    with pytest.raises(
        PipefitError,
        match=r"plan 'presales-standard' \(emp-sam\): pool_members: pool 'pool-emea' "
        r"\(EMEA presales\) covers no reps",
    ):
        statement_for(source, CONFIG, "USD", "emp-sam", "2026Q3")


def test_a_manager_on_a_team_plan_is_credited_with_the_team_s_deals() -> None:
    config = CompensationConfig(
        ramp_months=[],
        roles={
            "sales_rep": "rep-standard",
            "presales": "presales-standard",
            "manager": "presales-standard",
        },
    )
    s = statement_for(company(), config, "USD", "emp-max", "2026Q3")
    assert s.credited == D(540000)
    assert s.quota == D("750000.00")  # the team's quota: the sum of its reps'


def test_quotas_show_reps_pools_with_both_targets_and_teams() -> None:
    rows = {(r.kind, r.owner_id): r for r in quota_overview(company(), CONFIG, "USD", "2026Q3")}
    assert rows[("person", "emp-ada")].quota == D("375000.00")
    pool = rows[("pool", "pool-emea")]
    assert (pool.quota, pool.street_quota, pool.explicit) == (D("675000.00"), D("675000.00"), None)
    assert rows[("team", "team-emea")].quota == D("750000.00")


def test_a_recorded_quota_change_is_prorated_into_the_next_statement() -> None:
    source = company()
    record_quota_change(
        source,
        owner_kind="person",
        owner_id="emp-ada",
        period="2026",
        amount=D(1800000),
        effective_at=at("2026-09-01", 0),
        reason="took over Bob's accounts",
    )
    # Q3 is a quarter of the year, month by month: July and August at 1.5M / 12, September
    # at 1.8M / 12 -> 125,000 + 125,000 + 150,000 = 400,000.
    s = statement_for(source, CONFIG, "USD", "emp-ada", "2026Q3")
    assert s.quota == D("400000.00")
    assert any("took over Bob's accounts" in n for n in s.quota_notes)


def test_a_quota_change_outside_its_period_or_for_a_stranger_is_refused() -> None:
    with pytest.raises(PipefitError, match=r"2026-10-01 is not within 2026Q3"):
        record_quota_change(
            company(),
            owner_kind="person",
            owner_id="emp-ada",
            period="2026Q3",
            amount=D(1),
            effective_at=at("2026-10-01"),
        )
    with pytest.raises(NotFound, match="no person 'emp-zed'"):
        record_quota_change(
            company(),
            owner_kind="person",
            owner_id="emp-zed",
            period="2026Q3",
            amount=D(1),
            effective_at=at("2026-08-01"),
        )


def test_a_statement_for_someone_without_a_plan_says_how_to_give_them_one() -> None:
    with pytest.raises(
        PipefitError,
        match=r"compensation\.roles\.manager or "
        r"compensation\.assignments\.emp-max",
    ):
        statement_for(company(), CONFIG, "USD", "emp-max", "2026Q3")
