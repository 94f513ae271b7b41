"""Pay and capacity on a generated company, on SQLite and on PostgreSQL.

The oracle for credit is computed straight from the generated CSV files with Arrow, so
the database round trip (money types, UTC times, ADBC reads) is checked end to end.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pytest
from sqlalchemy import Engine

from pipefit.config import Workspace
from pipefit.domain.quotas import QuotaChange
from pipefit.sample import generate
from pipefit.services.capacity import plan_team, presales_workload, workspace_capacity
from pipefit.services.compensation import record_quota_change, run_period, statement_for
from pipefit.store.compensation import SqlCompensation
from pipefit.store.database import make_engine
from pipefit.store.unit_of_work import SqlUnitOfWork

from .workspaces import import_files

D = Decimal
FILES = (
    "teams",
    "people",
    "pools",
    "pool_members",
    "quotas",
    "accounts",
    "contacts",  # the leads' contacts, and
    "leads",  # the leads the deals and activities name
    "opportunities",
    "activities",
    "customer_outcomes",
    "credit_splits",
)


@pytest.fixture(scope="module")
def company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("company")
    generate(folder, opportunities=3000, seed=11)
    return folder


@pytest.fixture
def engine(workspace: Workspace) -> Iterator[Engine]:
    engine = make_engine(workspace.database_url)
    yield engine
    engine.dispose()


def load(workspace: Workspace, company: Path, engine: Engine) -> SqlCompensation:
    import_files(workspace, [company / f"{name}.csv" for name in FILES])
    return SqlCompensation(engine, workspace.database_url)


def uow(workspace: Workspace, engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine, workspace.database_url, workspace.config.pipelines_by_name())


def won_deals(company: Path, year: int) -> list[tuple[str, str, Decimal]]:
    """(deal, owner, amount) of the year's closed-won deals, from the files themselves."""
    opps = pa_csv.read_csv(
        company / "opportunities.csv",
        convert_options=pa_csv.ConvertOptions(
            column_types={"amount": pa.string(), "closed_at": pa.timestamp("s", tz="UTC")}
        ),
    )
    won = opps.filter(
        pc.and_(pc.equal(opps["stage"], "Closed won"), pc.equal(pc.year(opps["closed_at"]), year))
    )
    columns = (won[c].to_pylist() for c in ("opportunity_id", "owner_id", "amount"))
    return [(i, o, D(a)) for i, o, a in zip(*columns, strict=True)]


def credit_oracle(company: Path, year: int) -> dict[str, Decimal]:
    """Each rep's credit: own deals, or their revenue split of them (rounded to the cent,
    half to even)."""
    splits: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    with (company / "credit_splits.csv").open() as handle:
        for row in csv.DictReader(handle):
            if row["kind"] == "revenue":
                splits[row["opportunity_id"]].append((row["person_id"], D(row["percent"])))
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for deal, owner, amount in won_deals(company, year):
        for person, pct in splits.get(deal, [(owner, D(100))]):
            totals[person] += (amount * pct / 100).quantize(D("0.01"), ROUND_HALF_EVEN)
    return totals


def test_a_year_s_run_pays_every_rep_and_presales_and_credits_match_the_files(
    workspace: Workspace, company: Path, engine: Engine
) -> None:
    source = load(workspace, company, engine)
    config = workspace.config.compensation
    run = run_period(uow(workspace, engine), config, "USD", "2025")
    assert run.skipped == []
    by_person = {s.person_id: s for s in run.statements}
    roles = {p.person_id: str(p.role) for p in source.people()}
    assert {p for p, r in roles.items() if r in ("sales_rep", "presales")} == set(by_person)
    assert all(s.adds_up() for s in run.statements)
    oracle = credit_oracle(company, 2025)
    assert any(s.basis == "revenue split" for st in by_person.values() for s in st.deals)
    for person, statement in by_person.items():
        if statement.role == "sales_rep":
            assert statement.credited == oracle.get(person, D(0)), person
    # A presales member is credited with every closed-won deal of the reps the pool covers
    # (the sample splits deals only within a team, so a pool gets each of its deals whole).
    members = source.pool_members()
    by_owner: dict[str, Decimal] = defaultdict(Decimal)
    for _, owner, amount in won_deals(company, 2025):
        by_owner[owner] += amount
    for pool in source.pools():
        covered = [
            m.person_id for m in members if m.pool_id == pool.pool_id and m.kind == "covered_rep"
        ]
        expected = sum((by_owner.get(rep, D(0)) for rep in covered), D(0))
        for m in members:
            if m.pool_id == pool.pool_id and m.kind == "member":
                assert by_person[m.person_id].credited == expected
    # One person's statement reads only the deals that can reach them: the same figures.
    for person in sorted(by_person)[:: max(1, len(by_person) // 6)]:
        alone = statement_for(uow(workspace, engine), config, "USD", person, "2025")
        assert (alone.credited, alone.variable_pay, alone.lines) == (
            by_person[person].credited,
            by_person[person].variable_pay,
            by_person[person].lines,
        ), person


def test_splits_imported_as_csv_and_a_recorded_change_reach_the_statement(
    workspace: Workspace, company: Path, engine: Engine, tmp_path: Path
) -> None:
    load(workspace, company, engine)
    config = workspace.config.compensation
    before = statement_for(uow(workspace, engine), config, "USD", "emp-011", "2025Q3")
    deal = next(c.deal for c in before.deals if c.basis == "own")
    splits = tmp_path / "credit_splits.csv"
    splits.write_text(
        "opportunity_id,person_id,kind,percent\n"
        f"{deal.opportunity_id},emp-011,revenue,75\n"
        f"{deal.opportunity_id},emp-012,revenue,25\n"
    )
    import_files(workspace, [splits])
    record_quota_change(
        uow(workspace, engine),
        owner_kind="person",
        owner_id="emp-011",
        period="2025Q3",
        amount=before.quota * 2,
        effective_at=before.period.start_at.replace(month=9),
        reason="ACME territory added",
    )
    after = statement_for(uow(workspace, engine), config, "USD", "emp-011", "2025Q3")
    quarter = deal.amount.quantize(D("0.01")) * D("0.25")
    assert after.credited == before.credited - quarter
    split = next(c for c in after.deals if c.deal.opportunity_id == deal.opportunity_id)
    assert (split.basis, split.percent) == ("revenue split", D(75))
    # The last month of three at twice the quota: the quarter's quota rises by a third.
    assert after.quota == (before.quota * D(4) / D(3)).quantize(D("0.01"))
    assert any("ACME territory added" in note for note in after.quota_notes)


def test_capacity_planning_and_workload_read_the_same_history(
    workspace: Workspace, company: Path, engine: Engine
) -> None:
    source = load(workspace, company, engine)
    uow = SqlUnitOfWork(engine, workspace.database_url, workspace.config.pipelines_by_name())
    config = workspace.config.compensation
    capacity = workspace_capacity(uow, config, "USD")
    segments = {s.facts.segment: s for s in capacity.segments}
    assert {"smb", "enterprise"} <= set(segments)
    reps = sum(1 for p in source.people() if str(p.role) == "sales_rep")
    assert sum(s.facts.reps for s in capacity.segments) <= reps
    for s in capacity.segments:
        if s.actual is not None:
            assert s.actual.extra_revenue == (s.actual.influenced_quota * s.gain).quantize(
                D("0.01")
            )
    plan = plan_team(uow, config, "USD", hire_reps=2, hire_presales=1)
    assert plan.facts.won > 0 and plan.facts.bookings > 0
    assert [o.headcount for o in plan.options] == [2, 0, 1]
    workload = presales_workload(uow, config)
    presales = {p.person_id for p in source.people() if str(p.role) == "presales"}
    assert presales <= {load.person_id for load in workload.loads}
    assert sum(load.meetings for load in workload.loads) > 0


def test_a_quota_change_refused_half_way_leaves_nothing_behind(
    workspace: Workspace, company: Path, engine: Engine
) -> None:
    source = load(workspace, company, engine)
    work = uow(workspace, engine)
    with work:
        work.pay.add_quota_change(
            QuotaChange("person", "emp-011", "2025Q3", datetime(2025, 9, 1, tzinfo=UTC), D(1))
        )
        # no commit: leaving the block rolls the insert back
    assert source.quota_changes() == []


def test_a_closed_quarter_is_read_back_from_the_database_exactly_as_it_was_paid(
    workspace: Workspace, company: Path, engine: Engine
) -> None:
    from pipefit.services.period_close import close_period, list_closes

    load(workspace, company, engine)
    config = workspace.config.compensation
    run = run_period(uow(workspace, engine), config, "USD", "2025Q3")
    at = datetime(2025, 10, 3, 9, tzinfo=UTC)
    closed = close_period(
        uow(workspace, engine), config, "USD", "2025Q3", closed_by="finance-lead", now=at
    )
    assert closed.close.variable_pay == run.total_variable
    (kept,) = list_closes(uow(workspace, engine))
    assert (kept.period, kept.closed_by, kept.closed_at, kept.statements) == (
        "2025Q3",
        "finance-lead",
        at,
        len(run.statements),
    )
    again = run_period(uow(workspace, engine), config, "USD", "2025Q3")
    # Every field, every deal and every line, read back from the stored record.
    assert again.statements == run.statements
