"""Team bonuses and presales credit per deal, through the pay services on the memory store.

A small company: Ada, Bob and Cy sell in team EMEA; Sam is the presales engineer of the
EMEA pool, which covers Ada and Bob. Expected figures are worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pipefit.config.compensation import CompensationConfig, PlanConfig, SpiffConfig, TierConfig
from pipefit.domain.model import Person, Pool, PoolMember, Quota, Role, Team
from pipefit.domain.statements import Statement
from pipefit.services.compensation import run_period, statement_for
from pipefit.store.memory import MemoryUnitOfWork
from pipefit.store.memory.pay import MemoryCompensation

from .comp_factories import deal

D = Decimal


def person(pid: str, role: Role, variable: int = 40000) -> Person:
    return Person(pid, pid, role, "team-emea", D(100000), D(variable), "USD", date(2020, 1, 1))


def company() -> MemoryCompensation:
    return MemoryCompensation(
        people_list=[
            person("emp-ada", Role.SALES_REP),
            person("emp-bob", Role.SALES_REP),
            person("emp-cy", Role.SALES_REP),
            person("emp-sam", Role.PRESALES),
        ],
        team_list=[Team("team-emea", "EMEA")],
        pool_list=[Pool("pool-emea", "EMEA presales", D(10))],
        member_list=[
            PoolMember("pool-emea", "emp-sam", "member"),
            PoolMember("pool-emea", "emp-ada", "covered_rep"),
            PoolMember("pool-emea", "emp-bob", "covered_rep"),
        ],
        quota_list=[Quota(rep, "2026", D(800000)) for rep in ("emp-ada", "emp-bob", "emp-cy")],
        deal_list=[
            deal("EARLY", 50000, "2026-01-05", "emp-ada", presales="emp-sam"),
            deal("D1", 100000, "2026-02-01", "emp-ada", presales="emp-sam"),
            deal("D2", 20000, "2026-02-10", "emp-ada"),
            deal("D3", 130000, "2026-03-01", "emp-bob", presales="emp-sam"),
            deal("D4", 60000, "2026-03-31", "emp-cy", presales="emp-zoe"),
            deal("D5", 200000, "2026-05-05", "emp-bob", presales="emp-sam"),
        ],
    )


def plan(**extra: object) -> PlanConfig:
    return PlanConfig.model_validate(
        {"variable_target": 40000, "tiers": [TierConfig.model_validate({"from": 0, "rate": 1})]}
        | extra
    )


def config(rep: PlanConfig, presales: PlanConfig | None = None) -> CompensationConfig:
    return CompensationConfig(
        ramp_months=[],
        plans={"rep": rep, "presales": presales or plan()},
        roles={"sales_rep": "rep", "presales": "presales"},
    )


def team_bonus(split: str) -> PlanConfig:
    bonus = SpiffConfig(
        kind="team_bonus",
        start=date(2026, 1, 15),
        end=date(2026, 12, 31),
        target=D(300000),
        amount=D(1000),
        split=split,  # type: ignore[arg-type]
    )
    return plan(spiffs={"emea-300k": bonus})


def bonus_line(s: Statement) -> tuple[Decimal, tuple[str, ...]]:
    (line,) = [x for x in s.lines if x.kind == "team bonus"]
    return line.amount, line.deals


def test_a_team_reaching_its_target_pays_each_member_the_bonus() -> None:
    # Q1 team bookings from 2026-01-15: D1 100,000 + D2 20,000 + D3 130,000 + D4 60,000
    # = 310,000 >= 300,000 (EARLY, 2026-01-05, is before the bonus starts). Each: 1,000.
    uow = MemoryUnitOfWork(pay=company())
    s = statement_for(uow, config(team_bonus("each")), "USD", "emp-cy", "2026Q1")
    assert bonus_line(s) == (D("1000"), ("D1", "D2", "D3", "D4"))
    assert s.adds_up()


def test_a_split_team_bonus_shares_the_amount_equally_between_the_team_s_reps() -> None:
    # 1,000 shared by 3 reps = 333.333... -> 333.33 each (half to even).
    run = run_period(MemoryUnitOfWork(pay=company()), config(team_bonus("equal")), "USD", "2026Q1")
    reps = [s for s in run.statements if s.role == "sales_rep"]
    assert [bonus_line(s)[0] for s in reps] == [D("333.33")] * 3


def test_a_team_short_of_its_target_gets_a_line_that_says_so_and_pays_nothing() -> None:
    # Q2: only D5, 200,000 < 300,000.
    uow = MemoryUnitOfWork(pay=company())
    s = statement_for(uow, config(team_bonus("each")), "USD", "emp-ada", "2026Q2")
    (line,) = [x for x in s.lines if x.kind == "team bonus"]
    assert line.amount == 0
    assert "booked 200,000.00 of the 300,000.00 target: not reached" in line.label


def credited(presales_credit: str) -> dict[str, Decimal]:
    cfg = config(plan(), plan(presales_credit=presales_credit))
    s = statement_for(MemoryUnitOfWork(pay=company()), cfg, "USD", "emp-sam", "2026Q1")
    return {c.deal.opportunity_id: c.credit for c in s.deals}


def test_an_engineer_credited_per_deal_gets_exactly_the_deals_they_are_the_presales_on() -> None:
    # Sam is the presales on EARLY, D1 (Ada) and D3 (Bob) in Q1: 3 deals of 2 reps, each
    # at its whole amount (overlay: the reps keep theirs). Not D2 (no presales) nor D4
    # (Zoe's, and Cy is outside the pool).
    assert credited("deal") == {"EARLY": D(50000), "D1": D(100000), "D3": D(130000)}


def test_an_engineer_credited_through_the_pool_gets_every_deal_of_the_covered_reps() -> None:
    # The pool covers Ada and Bob: EARLY, D1, D2, D3 (not Cy's D4).
    assert credited("pool") == {
        "EARLY": D(50000),
        "D1": D(100000),
        "D2": D(20000),
        "D3": D(130000),
    }


def test_overlay_credit_leaves_the_reps_credit_whole_and_the_run_agrees_with_the_statement() -> (
    None
):
    cfg = config(plan(), plan(presales_credit="deal"))
    run = run_period(MemoryUnitOfWork(pay=company()), cfg, "USD", "2026Q1")
    by_person = {s.person_id: s for s in run.statements}
    # Ada: EARLY 50,000 + D1 100,000 + D2 20,000 = 170,000; Sam: 50,000 + 100,000 + 130,000.
    assert by_person["emp-ada"].credited == D(170000)
    assert by_person["emp-sam"].credited == D(280000)
    assert {d.basis for d in by_person["emp-sam"].deals} == {"presales"}
    assert "presales on the deal, won by emp-bob" in by_person["emp-sam"].deals[-1].how()
