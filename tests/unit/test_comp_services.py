"""The pay services on the in-memory unit of work: a small team with a presales pool."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.model import Person, Pool, PoolMember, Quota, Role, Team
from pipefit.services.compensation import (
    calc_plan,
    quota_overview,
    record_quota_change,
    run_period,
    statement_for,
    write_run,
)
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.pay import MemoryCompensation
from pipefit.store.memory.statements import MemoryStatementWriter

from .comp_factories import at, deal, rep_plan

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


def uow(pay: MemoryCompensation | None = None) -> MemoryUnitOfWork:
    return MemoryUnitOfWork(pay=pay or company())


def test_a_presales_engineer_is_measured_on_the_pool_s_street_quota() -> None:
    # Q3 quotas: 375,000 each; street quota (750,000 less 10%) = 675,000.
    # Credited with both reps' Q3 deals: 540,000 = 80%. Linear: 80% of 10,000 = 8,000.
    s = statement_for(uow(), CONFIG, "USD", "emp-sam", "2026Q3")
    assert [d.deal.opportunity_id for d in s.deals] == ["ACME-RENEWAL-Q3", "GLOBEX-NEW"]
    assert (s.quota, s.credited) == (D("675000.00"), D(540000))
    assert any(
        "street quota = 2 covered reps' 2026Q3 quotas 750,000.00 less 10%" in n
        for n in s.quota_notes
    )
    assert s.variable_pay == D("8000.00")


def test_a_rep_is_paid_on_their_own_deals_and_the_run_covers_reps_and_presales() -> None:
    run = run_period(uow(), CONFIG, "USD", "2026Q3")
    by_person = {s.person_id: s for s in run.statements}
    assert set(by_person) == {"emp-ada", "emp-bob", "emp-sam"}
    assert by_person["emp-ada"].credited == D(300000)
    assert by_person["emp-bob"].credited == D(240000)
    assert all(s.adds_up() for s in run.statements)
    assert run.skipped == []


def test_a_presales_engineer_in_no_pool_is_not_paid_and_the_run_says_why() -> None:
    source = company()
    source.member_list = [m for m in source.member_list if m.kind == "covered_rep"]
    run = run_period(uow(source), CONFIG, "USD", "2026Q3")
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
        statement_for(uow(source), CONFIG, "USD", "emp-sam", "2026Q3")


def test_a_manager_on_a_team_plan_is_credited_with_the_team_s_deals() -> None:
    config = CompensationConfig(
        ramp_months=[],
        roles={
            "sales_rep": "rep-standard",
            "presales": "presales-standard",
            "manager": "presales-standard",
        },
    )
    s = statement_for(uow(), config, "USD", "emp-max", "2026Q3")
    assert s.credited == D(540000)
    assert s.quota == D("750000.00")  # the team's quota: the sum of its reps'


def test_quotas_show_reps_pools_with_both_targets_and_teams() -> None:
    rows = {(r.kind, r.owner_id): r for r in quota_overview(uow(), CONFIG, "USD", "2026Q3")}
    assert rows[("person", "emp-ada")].quota == D("375000.00")
    pool = rows[("pool", "pool-emea")]
    assert (pool.quota, pool.street_quota, pool.explicit) == (D("675000.00"), D("675000.00"), None)
    assert rows[("team", "team-emea")].quota == D("750000.00")


def test_a_recorded_quota_change_is_prorated_into_the_next_statement() -> None:
    source = company()
    work = uow(source)
    record_quota_change(
        work,
        owner_kind="person",
        owner_id="emp-ada",
        period="2026",
        amount=D(1800000),
        effective_at=at("2026-09-01", 0),
        reason="took over Bob's accounts",
    )
    # Q3 is a quarter of the year, month by month: July and August at 1.5M / 12, September
    # at 1.8M / 12 -> 125,000 + 125,000 + 150,000 = 400,000.
    assert work.committed == 1
    s = statement_for(uow(source), CONFIG, "USD", "emp-ada", "2026Q3")
    assert s.quota == D("400000.00")
    assert any("took over Bob's accounts" in n for n in s.quota_notes)


def test_a_quota_change_outside_its_period_or_for_a_stranger_is_refused() -> None:
    with pytest.raises(PipefitError, match=r"2026-10-01 is not within 2026Q3"):
        record_quota_change(
            uow(),
            owner_kind="person",
            owner_id="emp-ada",
            period="2026Q3",
            amount=D(1),
            effective_at=at("2026-10-01"),
        )
    with pytest.raises(NotFound, match="no person 'emp-zed'"):
        record_quota_change(
            uow(),
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
        statement_for(uow(), CONFIG, "USD", "emp-max", "2026Q3")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"owner_kind": "team"}, "quota.owner_kind"),
        ({"amount": D(-1)}, "quota.amount"),
        ({"effective_at": at("2026-10-01")}, "quota.effective_at"),
        ({"owner_id": "emp-zed"}, "quota.owner"),
        ({"period": "2026Q5"}, "period"),
    ],
)
def test_a_refused_quota_change_keeps_nothing_and_names_its_field(
    change: dict[str, object], field: str
) -> None:
    source = company()
    work = uow(source)
    given: dict[str, object] = {
        "owner_kind": "person",
        "owner_id": "emp-ada",
        "period": "2026Q3",
        "amount": D(400000),
        "effective_at": at("2026-08-01"),
    } | change
    with pytest.raises(PipefitError) as refused:
        record_quota_change(work, **given)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert "--" not in str(refused.value)
    assert (source.change_list, work.committed) == ([], 0)


def test_a_statement_for_a_period_that_does_not_exist_names_the_period() -> None:
    with pytest.raises(PipefitError) as refused:
        statement_for(uow(), CONFIG, "USD", "emp-ada", "2026-13")
    assert refused.value.field == "period"


def test_reading_statements_commits_nothing() -> None:
    work = uow()
    run_period(work, CONFIG, "USD", "2026Q3")
    statement_for(work, CONFIG, "USD", "emp-ada", "2026Q3")
    assert work.committed == 0


def test_a_run_s_files_go_to_the_writer_it_is_handed() -> None:
    source = company()
    source.member_list = [m for m in source.member_list if m.kind == "covered_rep"]
    run = run_period(uow(source), CONFIG, "USD", "2026Q3")
    writer = MemoryStatementWriter()
    files = write_run(run, writer, Path("out"), html=False)
    assert files == [Path("out/statements.csv"), Path("out/statement_lines.csv")]
    (written,) = writer.runs
    people = [s.person_id for s in written.statements]
    assert (written.folder, people, written.html) == (Path("out"), ["emp-ada", "emp-bob"], False)
    assert [who for who, _, _ in written.skipped] == ["emp-sam"]
    # Ada: 300,000 of a 375,000 quarter = 80%; Bob: 240,000 = 64%. Each has 120,000 of
    # variable pay a year, 30,000 a quarter; the standard rep plan pays 0.5 below 50% and
    # 1.5 from 50% to 100%:
    #   Ada: 50% x 0.5 + 30% x 1.5 = 70% of 30,000 = 21,000
    #   Bob: 50% x 0.5 + 14% x 1.5 = 46% of 30,000 = 13,800
    assert {s.person_id: s.variable_pay for s in run.statements} == {
        "emp-ada": D("21000.00"),
        "emp-bob": D("13800.00"),
    }
    assert run.total_variable == D("34800.00")


def test_a_calc_without_a_variable_target_or_with_negative_bookings_names_the_input() -> None:
    with pytest.raises(PipefitError) as missing:
        calc_plan(rep_plan(), quota=D(100), bookings=D(50))
    assert missing.value.field == "calc.variable"
    assert "--" not in str(missing.value)
    with pytest.raises(PipefitError) as negative:
        calc_plan(rep_plan(), quota=D(100), bookings=D(-1), variable=D(10))
    assert negative.value.field == "calc.bookings"
