"""One person's pay, period by period: the credit, quota, target and pay lines of any
attainment window, with clawbacks and draws (the arithmetic behind a statement).

Earlier periods feed later ones: a year-to-date window pays the increase over what the
year already paid; a clawback takes a deal back at the rate its own period paid; a
recoverable draw is carried from period to period within the year.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from itertools import accumulate

from pipefit.domain.bonus import BonusBook
from pipefit.domain.credit import CreditLine
from pipefit.domain.errors import PipefitError
from pipefit.domain.money import ZERO, RoundingRule, exact
from pipefit.domain.payout import PayLine, Payout, compute_payout
from pipefit.domain.periods import Period, period_of
from pipefit.domain.plans import AttainmentBasis, Plan
from pipefit.domain.quotas import NoQuota, QuotaError, ResolvedQuota, add_months

__all__ = ["Ledger", "LedgerCalculator", "Payee", "period_share"]


@dataclass(frozen=True)
class Payee:
    person_id: str
    name: str
    role: str
    plan: Plan
    base_salary: Decimal  # yearly
    variable_target: Decimal  # yearly, at 100% attainment
    hired_at: date | None = None
    team_id: str | None = None
    pay_source: str = "people"


@dataclass(frozen=True)
class Ledger:
    """What a statement reads for one person: credit lines (sorted by close), quotas, churn."""

    payee: Payee
    credits: Sequence[CreditLine]
    quota: Callable[[Period], ResolvedQuota]
    churned: Mapping[str, datetime]
    rule: RoundingRule
    currency: str = "USD"
    bonus: BonusBook | None = None  # what the plan's SPIFFs read (domain/bonus.py)


def period_share(
    yearly: Decimal, period: Period, hired_at: date | None, rule: RoundingRule
) -> tuple[Decimal, str]:
    """A yearly amount's share of a period, prorated by day for someone hired within it."""
    numerator, denominator = yearly.as_integer_ratio()
    numerator, denominator = numerator * period.months, denominator * 12
    note = f"{yearly:,.2f} a year x {period.months}/12"
    if hired_at is not None and hired_at > period.start:
        days = max(0, (period.end - max(hired_at, period.start)).days)
        numerator, denominator = numerator * days, denominator * period.days
        note += f" x {days}/{period.days} days employed (hired {hired_at})"
    amount = rule.ratio(numerator, denominator)
    return amount, f"{note} = {amount:,.2f}"


# C-level getters: these run over every credit line of every statement.
_CLOSED_AT = operator.attrgetter("deal.closed_at")
_CREDIT = operator.attrgetter("credit")


def _pct(value: Fraction) -> str:
    return f"{float(value * 100):.4f}%"


class LedgerCalculator:
    """Memoised per-period figures for one ledger (earlier periods feed later ones)."""

    def __init__(self, ledger: Ledger, kind: str) -> None:
        self.ledger = ledger
        self.plan = ledger.payee.plan
        self.rule = ledger.rule
        self.kind = kind
        credits = list(ledger.credits)
        times = list(map(_CLOSED_AT, credits))
        if not all(map(operator.le, times, times[1:])):
            credits.sort(key=_CLOSED_AT)
            times = list(map(_CLOSED_AT, credits))
        self.credits, self.times = credits, times
        # running[i] is the credit of the first i lines: any window's sum is one subtraction.
        self.running: list[Decimal] = list(accumulate(map(_CREDIT, credits), initial=ZERO))
        # Earlier periods feed later ones (year to date, draws, clawbacks): memoised.
        self._gross_of: dict[Period, Payout] = {}
        self._quota_of: dict[Period, ResolvedQuota | None] = {}
        self._earned_of: dict[Period, Decimal] = {}

    def gross(self, period: Period) -> Payout:
        if period not in self._gross_of:
            self._gross_of[period] = self._gross(period)
        return self._gross_of[period]

    def quota(self, period: Period) -> ResolvedQuota | None:
        if period not in self._quota_of:
            self._quota_of[period] = self._quota(period)
        return self._quota_of[period]

    def earned(self, period: Period) -> Decimal:
        if period not in self._earned_of:
            self._earned_of[period] = self._earned(period)
        return self._earned_of[period]

    def fail(self, problem: str) -> PipefitError:
        payee = self.ledger.payee
        return PipefitError(f"plan '{self.plan.name}' ({payee.person_id}): {problem}")

    def window(self, period: Period) -> list[Period]:
        if self.plan.attainment is AttainmentBasis.CUMULATIVE_ANNUAL:
            return period.year_so_far()
        return [period]

    def credited(self, start: datetime, end: datetime) -> Decimal:
        low = bisect.bisect_left(self.times, start)
        high = bisect.bisect_left(self.times, end)
        return self.running[high] - self.running[low]

    def deals_in(self, period: Period) -> tuple[CreditLine, ...]:
        low = bisect.bisect_left(self.times, period.start_at)
        high = bisect.bisect_left(self.times, period.end_at)
        return tuple(self.credits[low:high])

    def _quota(self, period: Period) -> ResolvedQuota | None:
        try:
            return self.ledger.quota(period)
        except NoQuota as exc:
            if self.plan.attainment is AttainmentBasis.CUMULATIVE_ANNUAL:
                return None  # a year-to-date window may start before the first quota
            raise self.fail(f"quota: {exc}") from exc
        except QuotaError as exc:
            raise self.fail(f"quota: {exc}") from exc

    def window_quota(self, period: Period) -> tuple[Decimal, tuple[str, ...]]:
        resolved = [self.quota(p) for p in self.window(period)]
        found = [r for r in resolved if r is not None]
        if not found:
            raise self.fail(f"no quota for {period}")
        notes = [n for r in found for n in r.notes]
        if len(found) > 1:
            parts = " + ".join(f"{r.period} {r.amount:,.2f}" for r in found)
            notes.append(f"year-to-date quota: {parts}")
        return sum((r.amount for r in found), ZERO), tuple(notes)

    def target(self, period: Period) -> tuple[Decimal, str]:
        payee = self.ledger.payee
        shares = [
            period_share(payee.variable_target, p, payee.hired_at, self.rule)
            for p in self.window(period)
        ]
        if len(shares) == 1:
            return shares[0]
        total = sum((amount for amount, _ in shares), ZERO)
        return total, f"year to date: {' + '.join(f'{a:,.2f}' for a, _ in shares)} = {total:,.2f}"

    def _gross(self, period: Period) -> Payout:
        """Tier and cap lines over the attainment window that ends with `period`."""
        window = self.window(period)
        quota, _ = self.window_quota(period)
        try:
            return compute_payout(
                self.plan,
                quota=quota,
                credited=self.credited(window[0].start_at, period.end_at),
                target=self.target(period)[0],
                rule=self.rule,
            )
        except PipefitError as exc:
            reason = str(exc).removeprefix(f"plan '{self.plan.name}': ")
            raise self.fail(f"{period}: {reason}") from exc

    def pay_lines(self, period: Period) -> list[PayLine]:
        """Tier lines, the cap and, year to date, what earlier periods already paid."""
        lines = list(self.gross(period).lines)
        if self.plan.attainment is not AttainmentBasis.CUMULATIVE_ANNUAL:
            return lines
        earlier = period.earlier_in_year()
        if not earlier:
            return lines
        # Paid so far is the highest year-to-date pay reached: a fall is never recovered.
        paid = max(self.gross(p).total for p in earlier)
        lines.append(
            PayLine(
                "paid earlier",
                f"already paid for {earlier[0]}-{earlier[-1]} (the highest year-to-date pay)",
                -paid,
            )
        )
        now = self.gross(period).total
        if now < paid:
            lines.append(
                PayLine(
                    "no recovery",
                    f"year-to-date pay fell below what was paid; nothing is taken back "
                    f"({paid - now:,.2f})",
                    paid - now,
                )
            )
        return lines

    def effective_rate(self, period: Period) -> Fraction:
        window = self.window(period)
        credited = self.credited(window[0].start_at, period.end_at)
        if credited <= 0:
            return Fraction(0)
        try:
            paid = self.gross(period).total
        except PipefitError:
            return Fraction(0)  # no quota then: nothing was paid on the deal
        return exact(paid) / exact(credited)

    def clawbacks(self, period: Period) -> list[PayLine]:
        days = self.plan.clawback_days
        if days is None:
            return []
        churned = self.ledger.churned
        lines = []
        start, end, reach = period.start_at, period.end_at, timedelta(days=days)
        # Only deals closed within `days` before the period can churn inside it that soon.
        low = bisect.bisect_left(self.times, start - reach)
        high = bisect.bisect_left(self.times, end)
        # Most deals' customers never churn: find the few that did in one quick pass.
        hits = [c for c in self.credits[low:high] if c.deal.account_id in churned]
        for credit in hits:
            deal = credit.deal
            at = churned[deal.account_id or ""]
            if not start <= at < end:
                continue
            after = at - deal.closed_at
            if not timedelta(0) <= after <= reach:
                continue
            paid_in = period_of(deal.closed_at, self.kind)
            rate = self.effective_rate(paid_in)
            amount = self.rule.ratio(
                credit.credit.as_integer_ratio()[0] * rate.numerator,
                credit.credit.as_integer_ratio()[1] * rate.denominator,
            )
            if amount == 0:
                continue
            lines.append(
                PayLine(
                    "clawback",
                    f"clawback: {deal.opportunity_id} (account {deal.account_id} churned "
                    f"{at.date()}, {after.days} days after the close on "
                    f"{deal.closed_at.date()}, within {days}): credit {credit.credit:,.2f} "
                    f"x effective rate {_pct(rate)} paid in {paid_in}",
                    -amount,
                    bookings=credit.credit,
                )
            )
        return lines

    def _earned(self, period: Period) -> Decimal:
        """What the period earned before any draw."""
        lines = self.pay_lines(period) + self.clawbacks(period)
        return sum((line.amount for line in lines), ZERO)

    def _earned_or_nothing(self, p: Period, current: Period) -> Decimal:
        if p == current:
            return self.earned(p)
        try:
            return self.earned(p)
        except PipefitError:
            return ZERO  # an earlier period with no quota (before the hire) earned nothing

    def guarantee(self, period: Period) -> Decimal:
        draw = self.plan.draw
        if draw is None:
            return ZERO
        start, end = period.start, period.end
        hired = self.ledger.payee.hired_at
        if hired is not None:
            start = max(start, hired)
            if draw.months is not None:
                end = min(end, add_months(hired, draw.months))
        days = max(0, (end - start).days)
        return self.rule(exact(draw.monthly) * period.months * days / period.days)

    def draw_line(self, period: Period) -> PayLine | None:
        draw = self.plan.draw
        if draw is None:
            return None
        balance = ZERO
        line = None
        for p in period.year_so_far():
            earned, floor = self._earned_or_nothing(p, period), self.guarantee(p)
            line = None
            if earned < floor:
                top_up = floor - earned
                if draw.recoverable:
                    balance += top_up
                kind = "recoverable" if draw.recoverable else "not recoverable"
                line = PayLine(
                    "draw",
                    f"draw: earned {earned:,.2f}, below the {floor:,.2f} draw; topped up "
                    f"({kind}; balance owed {balance:,.2f})",
                    top_up,
                )
            elif balance > 0:
                recovered = min(balance, earned - floor)
                balance -= recovered
                if recovered:
                    line = PayLine(
                        "draw recovery",
                        f"draw recovery: earlier draws paid back from earnings above the "
                        f"{floor:,.2f} draw (balance owed now {balance:,.2f})",
                        -recovered,
                    )
        return line
