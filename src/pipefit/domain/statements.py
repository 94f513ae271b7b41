"""A person's pay statement for a period, in lines that add up to its total.

The statement reads, top to bottom: the quota (and where it came from), the credited
deals one by one, attainment, each tier's portion and rate, then the adjustments:

- the cap, where it bites;
- in a cumulative-annual plan, what earlier periods of the year already paid (the
  attainment window is the year to date, and a period pays the increase);
- clawbacks: a deal whose customer churned within the plan's `clawback_days` of the
  close is taken back, in the period of the churn, at the effective rate it was paid at
  (the pay of the period it was credited in, divided by that period's credited bookings);
- a draw: if the period earned less than the draw, it is topped up; a recoverable draw is
  paid back from later earnings of the same year (an unrecovered balance lapses at the
  end of the year).

The variable pay is the sum of the lines, each rounded by the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction
from typing import Any

from pipefit.domain.bonus import bonus_lines
from pipefit.domain.closes import ClosedPay, adjustment_line, statement_fields
from pipefit.domain.credit import CreditLine
from pipefit.domain.errors import PipefitError
from pipefit.domain.ledger import Ledger, LedgerCalculator, Payee, period_share
from pipefit.domain.money import ZERO, exact
from pipefit.domain.payout import PayLine
from pipefit.domain.periods import KINDS, Period, period_of

__all__ = [
    "Ledger",
    "Payee",
    "Statement",
    "build_statement",
    "period_share",
    "statement_from_record",
]


@dataclass(frozen=True)
class Statement:
    person_id: str
    name: str
    role: str
    plan: str
    period: Period
    currency: str
    basis: str  # attainment basis
    window: tuple[Period, ...]  # the periods attainment is measured over
    quota: Decimal
    quota_notes: tuple[str, ...]
    deals: tuple[CreditLine, ...]  # credited in this period, one by one
    earlier: tuple[tuple[str, Decimal], ...]  # cumulative plans: credit of earlier periods
    credited: Decimal
    variable_target: Decimal
    target_note: str
    base_salary: Decimal  # for the period
    lines: tuple[PayLine, ...]
    variable_pay: Decimal
    rounding: str
    period_quota: Decimal | None = None  # the period's own quota (year to date: quota is more)

    @property
    def attainment(self) -> Fraction:
        return exact(self.credited) / exact(self.quota)

    @property
    def attainment_pct(self) -> Decimal:
        """Attainment in percent, cut to 0.01 (for reading; pay uses the exact ratio). Cut,
        not rounded: 99.996% reads 99.99%, never the 100% tier it has not reached."""
        value = self.attainment * 100
        shown = Decimal(value.numerator) / Decimal(value.denominator)
        return shown.quantize(Decimal("0.01"), rounding=ROUND_DOWN)

    @property
    def total_pay(self) -> Decimal:
        return self.base_salary + self.variable_pay

    def adds_up(self) -> bool:
        """Deals (and earlier periods) add up to the credit; lines to the variable pay."""
        credit = sum((d.credit for d in self.deals), ZERO) + sum(
            (amount for _, amount in self.earlier), ZERO
        )
        pay = sum((line.amount for line in self.lines), ZERO)
        return credit == self.credited and pay == self.variable_pay


def statement_from_record(data: Mapping[str, Any]) -> Statement:
    """A statement kept at close, read back as it was paid."""
    return Statement(**statement_fields(data))


def build_statement(
    ledger: Ledger, period: Period, *, closed: ClosedPay | None = None
) -> Statement:
    """The statement of `period`: of one paid period (a quarter of a quarterly plan), or
    the sum of the paid periods inside a longer one (a year of a quarterly plan: each
    quarter is that quarter's statement, tiers against that quarter's quota). `closed`:
    statements kept when their period was closed, read back as they were paid; the
    first open paid period after them carries the adjustments to them."""
    kept: Mapping[Period, Statement] = closed.statements if closed else {}
    if period in kept:
        return kept[period]
    plan, payee = ledger.payee.plan, ledger.payee
    kind = plan.pay_frequency.kind
    if KINDS.index(period.kind) > KINDS.index(kind):
        paid = period_of(period.start, kind)
        raise PipefitError(
            f"plan '{plan.name}' ({payee.person_id}) pays {plan.pay_frequency}: a statement "
            f"covers a paid period or longer; {period} is part of {paid}, ask for {paid}",
            field="period",
        )
    calc = LedgerCalculator(ledger, kind)
    if period.kind == kind:
        return _paid_period(ledger, calc, period, closed)
    parts: list[Statement] = []
    for part in period.parts(kind):
        if part in kept:
            parts.append(kept[part])
            continue
        if payee.hired_at is not None and payee.hired_at >= part.end:
            continue  # before the hire: nothing was paid, and no quota was set
        parts.append(_paid_period(ledger, calc, part, closed))
    return _sum_of(ledger, period, parts)


def _sum_of(ledger: Ledger, period: Period, parts: list[Statement]) -> Statement:
    """A longer period's statement: its paid periods' lines, one after the other."""
    payee = ledger.payee
    frequency = payee.plan.pay_frequency
    own = [s.quota if s.period_quota is None else s.period_quota for s in parts]
    quota = sum(own, ZERO)
    notes = [f"paid {frequency}: the sum of the statements of {len(parts)} {frequency.kind}s"]
    notes += [
        f"{s.period}: quota {q:,.2f}, variable pay {s.variable_pay:,.2f}"
        for s, q in zip(parts, own, strict=True)
    ]
    lines = tuple(
        replace(line, label=f"{s.period}: {line.label}") for s in parts for line in s.lines
    )
    deals = tuple(d for s in parts for d in s.deals)
    target, target_note = period_share(payee.variable_target, period, payee.hired_at, ledger.rule)
    base, _ = period_share(payee.base_salary, period, payee.hired_at, ledger.rule)
    return Statement(
        person_id=payee.person_id,
        name=payee.name,
        role=payee.role,
        plan=payee.plan.name,
        period=period,
        currency=ledger.currency,
        basis=str(payee.plan.attainment),
        window=tuple(s.period for s in parts),
        quota=quota,
        quota_notes=tuple(notes),
        deals=deals,
        earlier=(),
        credited=sum((d.credit for d in deals), ZERO),
        variable_target=target,
        target_note=target_note,
        base_salary=base,
        lines=lines,
        variable_pay=sum((line.amount for line in lines), ZERO),
        rounding=ledger.rule.describe(),
        period_quota=quota,
    )


def _adjustments(
    ledger: Ledger, calc: LedgerCalculator, period: Period, closed: ClosedPay | None
) -> list[PayLine]:
    """In the first open paid period after the closes: what each closed period would now
    pay differently (late deals, changed splits, churn recorded late)."""
    if closed is None or closed.first_open(calc.kind) != period:
        return []
    lines = []
    for origin in sorted(closed.statements, key=lambda p: p.start):
        if origin.kind != calc.kind or origin.end > period.start or not closed.adjusts(origin):
            continue
        try:
            now = _paid_period(ledger, calc, origin, None)
        except PipefitError:
            continue  # cannot be recomputed now (no quota any more): left as paid
        line = adjustment_line(closed.statements[origin], now, closed)
        if line is not None:
            lines.append(line)
    return lines


def _paid_period(
    ledger: Ledger, calc: LedgerCalculator, period: Period, closed: ClosedPay | None
) -> Statement:
    payee = ledger.payee
    quota, quota_notes = calc.window_quota(period)
    window = calc.window(period)
    target, target_note = calc.target(period)
    lines = calc.pay_lines(period) + calc.clawbacks(period)
    true_up = calc.true_up(period)
    if true_up is not None:
        lines.append(true_up)
    draw = calc.draw_line(period)
    if draw is not None:
        lines.append(draw)
    plan = payee.plan
    # SPIFFs and bonuses are paid on top (and outside the draw), with their clawbacks.
    lines += bonus_lines(
        plan.spiffs,
        ledger.credits,
        ledger.bonus,
        ledger.churned,
        plan.clawback_days,
        ledger.rule,
        period,
    )
    lines += _adjustments(ledger, calc, period, closed)
    earlier = tuple((p.label, calc.credited(p.start_at, p.end_at)) for p in window if p != period)
    base, _ = period_share(payee.base_salary, period, payee.hired_at, ledger.rule)
    own = calc.quota(period)
    return Statement(
        person_id=payee.person_id,
        name=payee.name,
        role=payee.role,
        plan=payee.plan.name,
        period=period,
        currency=ledger.currency,
        basis=str(payee.plan.attainment),
        window=tuple(window),
        quota=quota,
        quota_notes=quota_notes,
        deals=calc.deals_in(period),
        earlier=earlier,
        credited=calc.credited(window[0].start_at, period.end_at),
        variable_target=target,
        target_note=target_note,
        base_salary=base,
        lines=tuple(lines),
        variable_pay=sum((line.amount for line in lines), ZERO),
        rounding=ledger.rule.describe(),
        period_quota=own.amount if own is not None else ZERO,
    )
