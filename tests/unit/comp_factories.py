"""Plain factories for pay and capacity tests: plans, deals, people, ledgers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from pipefit.domain.credit import CreditLine, WonDeal
from pipefit.domain.money import RoundingRule
from pipefit.domain.periods import Period, parse_period
from pipefit.domain.plans import AttainmentBasis, Draw, Plan, Tier, TierMode
from pipefit.domain.quotas import QuotaBook, Ramp
from pipefit.domain.statements import Ledger, Payee

D = Decimal
RULE = RoundingRule()


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def tiers(*rows: tuple[int | str, int | str | None, int | str]) -> tuple[Tier, ...]:
    return tuple(Tier(D(a), None if b is None else D(b), D(r)) for a, b, r in rows)


def rep_plan(**overrides: object) -> Plan:
    """The default rep plan: a decelerator below 50%, an accelerator above 100%."""
    values: dict[str, object] = {
        "name": "rep-standard",
        "tiers": tiers((0, 50, "0.5"), (50, 100, "1.5"), (100, None, 2)),
    }
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]


def linear_plan(**overrides: object) -> Plan:
    values: dict[str, object] = {"name": "linear", "tiers": tiers((0, None, 1))}
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]


def deal(
    deal_id: str,
    amount: str | int,
    closed: str,
    owner: str = "emp-ada",
    *,
    account: str | None = None,
    currency: str = "USD",
    presales: str | None = None,
) -> WonDeal:
    return WonDeal(
        deal_id,
        D(amount),
        currency,
        at(closed),
        owner,
        presales,
        account or f"acc-{deal_id}",
        f"{deal_id} deal",
    )


def own_lines(person: str, deals: Sequence[WonDeal]) -> list[CreditLine]:
    return [CreditLine(person, d, "own", D(100), D(1), d.amount, d.amount, None) for d in deals]


def quarterly_book(owner: str, amount: str | int, year: int = 2026, **kw: object) -> QuotaBook:
    rows = {Period(year, "quarter", q): D(amount) for q in range(1, 5)}
    return QuotaBook("person", owner, rows, rule=RULE, **kw)  # type: ignore[arg-type]


def payee(
    plan: Plan,
    *,
    person: str = "emp-ada",
    variable: str | int = 40000,
    base: str | int = 120000,
    role: str = "sales_rep",
    hired: date | None = None,
) -> Payee:
    return Payee(person, "Ada Lovelace", role, plan, D(base), D(variable), hired)


def ledger(
    plan: Plan,
    deals: Sequence[WonDeal],
    *,
    quota: str | int = 100000,
    churned: dict[str, datetime] | None = None,
    variable: str | int = 40000,
    hired: date | None = None,
    book: QuotaBook | None = None,
) -> Ledger:
    """A rep on `plan`, quarterly quota `quota`, credited with `deals` as their own."""
    quotas = book or quarterly_book("emp-ada", quota)
    return Ledger(
        payee=payee(plan, variable=variable, hired=hired),
        credits=own_lines("emp-ada", sorted(deals, key=lambda d: d.closed_at)),
        quota=quotas.resolve,
        churned=churned or {},
        rule=RULE,
    )


def period(label: str) -> Period:
    return parse_period(label)


__all__ = [
    "RULE",
    "AttainmentBasis",
    "D",
    "Draw",
    "Ramp",
    "TierMode",
    "at",
    "deal",
    "ledger",
    "linear_plan",
    "own_lines",
    "payee",
    "period",
    "quarterly_book",
    "rep_plan",
    "tiers",
]
