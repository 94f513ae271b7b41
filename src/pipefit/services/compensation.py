"""Pay use cases: a statement, a whole period's run (and its files), a plan checked by
hand, the rep-versus-presales comparison, quotas for a period, and recording a quota change.

Stored records come through a unit of work (`uow.pay`), files go out through a
`StatementWriter`; both are handed in by the entry point."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.money import RoundingRule, exact, plain
from pipefit.domain.payout import Payout, compute_payout
from pipefit.domain.periods import Period, parse_period
from pipefit.domain.plans import Plan
from pipefit.domain.quotas import NoQuota, QuotaChange
from pipefit.domain.statements import Statement, build_statement
from pipefit.services.paybook import PayBook, bulk_objects, load_book
from pipefit.services.ports.pay import Skipped, StatementWriter
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = [
    "Calc",
    "PayRun",
    "QuotaRow",
    "RoleComparison",
    "calc_plan",
    "compare_roles",
    "quota_overview",
    "record_quota_change",
    "run_period",
    "statement_for",
    "write_run",
]


_HUNDREDTH = Decimal("0.01")


def _pct(part: Decimal, whole: Decimal) -> Decimal:
    """part / whole in percent, cut (not rounded) to 0.01: never shown above a threshold."""
    return (part / whole * 100).quantize(_HUNDREDTH, rounding=ROUND_DOWN)


def _period(text: str) -> Period:
    """The period a user asked for; a bad one is refused as the `period` input."""
    try:
        return parse_period(text)
    except PipefitError as exc:
        raise PipefitError(exc.message, field="period") from None


def statement_for(
    uow: UnitOfWork,
    config: CompensationConfig,
    currency: str,
    person_id: str,
    period: str,
) -> Statement:
    """One person's statement for a period; raises with the reason if it cannot be made."""
    chosen = _period(period)
    with uow:
        book = load_book(uow.pay, config, currency, chosen, only=person_id)
    person = book.people.get(person_id)
    if person is None:
        raise NotFound(f"no person '{person_id}'", field="person")
    payee = book.payee(person)
    if payee is None:
        raise PipefitError(
            f"{person_id} ({person.role}) has no plan: add compensation.roles.{person.role} "
            f"or compensation.assignments.{person_id} to pipefit.toml"
        )
    return build_statement(book.ledger(payee), chosen, closed=book.closed_pay(person_id))


@dataclass
class PayRun:
    period: Period
    statements: list[Statement]
    skipped: list[Skipped]  # person, role, reason
    seconds: dict[str, float] = field(default_factory=dict)
    deals: int = 0

    @property
    def total_variable(self) -> Decimal:
        return sum((s.variable_pay for s in self.statements), Decimal(0))


def run_period(
    uow: UnitOfWork,
    config: CompensationConfig,
    currency: str,
    period: str,
    *,
    roles: Sequence[str] = ("sales_rep", "presales"),
) -> PayRun:
    """Statements for everyone in `roles` who has a plan; who could not be paid, and why."""
    chosen = _period(period)
    started = time.perf_counter()
    with uow:
        book = load_book(uow.pay, config, currency, chosen)
    loaded = time.perf_counter()
    statements: list[Statement] = []
    skipped: list[Skipped] = []
    with bulk_objects():
        for person in sorted(book.people.values(), key=lambda p: (str(p.role), p.person_id)):
            if str(person.role) not in roles:
                continue
            try:
                payee = book.payee(person)
                if payee is None:
                    skipped.append((person.person_id, str(person.role), "no plan for the role"))
                    continue
                closed = book.closed_pay(person.person_id)
                statements.append(build_statement(book.ledger(payee), chosen, closed=closed))
            except PipefitError as exc:
                skipped.append((person.person_id, str(person.role), str(exc)))
    done = time.perf_counter()
    return PayRun(
        period=chosen,
        statements=statements,
        skipped=skipped,
        seconds={"load and credit": loaded - started, "statements": done - loaded},
        deals=book.deals_read,
    )


def write_run(
    run: PayRun, writer: StatementWriter, folder: Path, *, html: bool = True
) -> list[Path]:
    """Write a run's statements to CSV (and HTML) in `folder`; return the files."""
    with bulk_objects():
        return writer.write(folder, run.statements, run.skipped, html=html)


@dataclass(frozen=True)
class Calc:
    plan: Plan
    payout: Payout
    base_salary: Decimal | None
    rounding: str

    @property
    def pct_of_target(self) -> Decimal:
        if self.payout.target == 0:
            return Decimal(0)
        return _pct(self.payout.total, self.payout.target)

    @property
    def pct_of_base(self) -> Decimal | None:
        if not self.base_salary:
            return None
        return _pct(self.payout.total, self.base_salary)


def calc_plan(
    plan: Plan,
    *,
    quota: Decimal,
    bookings: Decimal,
    variable: Decimal | None = None,
    base: Decimal | None = None,
    rule: RoundingRule | None = None,
) -> Calc:
    """A plan's payout for bookings against a quota, with no workspace: to check by hand."""
    rule = rule or RoundingRule()
    target = variable if variable is not None else plan.variable_target
    if target is None:
        raise plan.fail(
            "variable_target",
            "is not set in the plan; give the variable target for the period",
            field="calc.variable",
        )
    if bookings < 0:
        raise plan.fail(
            "bookings", f"is {bookings}; bookings cannot be negative", field="calc.bookings"
        )
    payout = compute_payout(plan, quota=quota, credited=bookings, target=target, rule=rule)
    return Calc(
        plan,
        payout,
        base if base is not None else plan.base_salary,
        rule.describe(),
    )


@dataclass(frozen=True)
class RoleComparison:
    role: str
    plan: str
    attainment_pct: Decimal
    base_salary: Decimal
    variable_target: Decimal
    variable_pay: Decimal
    total_pay: Decimal

    @property
    def variable_pct_of_base(self) -> Decimal:
        return _pct(self.variable_pay, self.base_salary)

    @property
    def total_pct_of_base(self) -> Decimal:
        return _pct(self.total_pay, self.base_salary)


def compare_roles(
    config: CompensationConfig,
    attainments: Sequence[Decimal] = (Decimal(100), Decimal(150)),
    roles: Sequence[str] = ("sales_rep", "presales"),
) -> list[RoleComparison]:
    """DOMAIN section 1: what a rep and a presales engineer each earn at the same
    attainment, as a percentage of base (a year at the plans' own base and target)."""
    rule = config.rule()
    plans = config.plans_domain()
    rows = []
    for role in roles:
        name = config.roles.get(role)
        if name is None:
            raise PipefitError(f"compensation.roles.{role}: no plan for this role")
        plan = plans[name]
        if plan.base_salary is None or not plan.base_salary:
            raise plan.fail("base_salary", "is not set; the comparison needs a base salary")
        if plan.variable_target is None:
            raise plan.fail("variable_target", "is not set; the comparison needs a target")
        quota = Decimal(1_000_000)  # any quota: the pay depends on attainment only
        for pct in attainments:
            bookings = rule(exact(quota) * exact(pct) / 100)
            payout = compute_payout(
                plan, quota=quota, credited=bookings, target=plan.variable_target, rule=rule
            )
            rows.append(
                RoleComparison(
                    role,
                    name,
                    pct,
                    plan.base_salary,
                    plan.variable_target,
                    payout.total,
                    plan.base_salary + payout.total,
                )
            )
    return rows


@dataclass(frozen=True)
class QuotaRow:
    kind: str  # person, pool or team
    owner_id: str
    name: str
    quota: Decimal | None
    street_quota: Decimal | None = None
    explicit: Decimal | None = None
    note: str = ""


def quota_overview(
    uow: UnitOfWork, config: CompensationConfig, currency: str, period: str
) -> list[QuotaRow]:
    """Every rep's quota, every pool's street quota beside its explicit target, and every
    team's quota (the sum of its reps') for a period."""
    chosen = _period(period)
    with uow:
        book: PayBook = load_book(uow.pay, config, currency, chosen)
    rows: list[QuotaRow] = []
    team_sums: dict[str, Decimal] = {}
    for person in sorted(book.people.values(), key=lambda p: p.person_id):
        if str(person.role) != "sales_rep":
            continue
        try:
            resolved = book.person_quota(person.person_id, chosen)
        except NoQuota:
            rows.append(QuotaRow("person", person.person_id, person.name, None, note="no quota"))
            continue
        rows.append(
            QuotaRow(
                "person",
                person.person_id,
                person.name,
                resolved.amount,
                note=resolved.notes[-1] if resolved.notes else "",
            )
        )
        if person.team_id:
            team_sums[person.team_id] = team_sums.get(person.team_id, Decimal(0)) + resolved.amount
    for pool in sorted(book.pools.values(), key=lambda p: p.pool_id):
        try:
            target = book.pool_target(pool.pool_id, chosen)
        except PipefitError as exc:
            rows.append(QuotaRow("pool", pool.pool_id, pool.name, None, note=str(exc)))
            continue
        rows.append(
            QuotaRow(
                "pool",
                pool.pool_id,
                pool.name,
                target.in_force,
                street_quota=target.street_quota,
                explicit=target.explicit.amount if target.explicit else None,
                note=f"{target.basis} in force; {plain(target.discount_pct)}% discount",
            )
        )
    for team_id, total in sorted(team_sums.items()):
        team = book.teams.get(team_id)
        rows.append(
            QuotaRow("team", team_id, team.name if team else team_id, total, note="sum of reps")
        )
    return rows


def record_quota_change(
    uow: UnitOfWork,
    *,
    owner_kind: str,
    owner_id: str,
    period: str,
    amount: Decimal,
    effective_at: datetime,
    reason: str | None = None,
) -> QuotaChange:
    """Record a mid-period quota change; statements prorate it by day from `effective_at`.
    Kept only when every check passes (the unit of work commits once, at the end)."""
    chosen = _period(period)
    if owner_kind not in ("person", "pool"):
        raise PipefitError(
            f"a quota belongs to a person or a pool, not '{owner_kind}'", field="quota.owner_kind"
        )
    if amount < 0:
        raise PipefitError(
            f"quota change for {owner_id}: amount {amount} cannot be negative",
            field="quota.amount",
        )
    if not chosen.holds(effective_at):
        raise PipefitError(
            f"quota change for {owner_id}: {effective_at.date()} is not within {chosen} "
            f"({chosen.start} to {chosen.end})",
            field="quota.effective_at",
        )
    with uow:
        known = (
            {p.person_id for p in uow.pay.people()}
            if owner_kind == "person"
            else {p.pool_id for p in uow.pay.pools()}
        )
        if owner_id not in known:
            raise NotFound(f"no {owner_kind} '{owner_id}'", field="quota.owner")
        change = uow.pay.add_quota_change(
            QuotaChange(
                owner_kind,
                owner_id,
                chosen.label,
                effective_at,
                amount,
                reason,
                datetime.now(UTC),
            )
        )
        uow.commit()
    return change
