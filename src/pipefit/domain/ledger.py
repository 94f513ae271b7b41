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
        self._order_of: dict[Period, list[CreditLine]] = {}

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

    def _gross(self, period: Period, less: Decimal = ZERO) -> Payout:
        """Tier and cap lines over the attainment window that ends with `period` (with
        `less`: as if that much credit had never been credited)."""
        window = self.window(period)
        quota, _ = self.window_quota(period)
        try:
            return compute_payout(
                self.plan,
                quota=quota,
                credited=self.credited(window[0].start_at, period.end_at) - less,
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

    def clawed(self, credit: CreditLine) -> datetime | None:
        """When the deal's customer churned, if within the plan's clawback window."""
        days = self.plan.clawback_days
        at = self.ledger.churned.get(credit.deal.account_id or "")
        if days is None or at is None:
            return None
        if not timedelta(0) <= at - credit.deal.closed_at <= timedelta(days=days):
            return None
        return at

    def _churn_order(self, paid_in: Period) -> list[CreditLine]:
        """The period's credited deals that are clawed back, in the order they churned."""
        if paid_in not in self._order_of:
            hits = [(self.clawed(c), c) for c in self.deals_in(paid_in)]
            found = [(at, c) for at, c in hits if at is not None]
            found.sort(key=lambda x: (x[0], x[1].deal.closed_at, x[1].deal.opportunity_id))
            self._order_of[paid_in] = [c for _, c in found]
        return self._order_of[paid_in]

    def _total_less(self, period: Period, less: Decimal) -> Decimal:
        try:
            return self._gross(period, less).total if less else self.gross(period).total
        except PipefitError:
            return ZERO  # no quota then: nothing was paid on the deal

    def earned_by(self, credit: CreditLine, paid_in: Period) -> tuple[Decimal, Decimal, Decimal]:
        """What a clawed-back deal earned in the period it was credited: that period's pay
        with it less its pay without it, at the tiers it was paid at. Deals of one period
        are taken out in the order they churned (each after those before it), so the
        clawbacks of a period add up to its pay with them less its pay without them all.
        Returns (amount, pay with it, pay without it)."""
        order = self._churn_order(paid_in)
        before = ZERO
        for other in order:
            if other is credit:
                break
            before += other.credit
        with_it = self._total_less(paid_in, before)
        without = self._total_less(paid_in, before + credit.credit)
        return with_it - without, with_it, without

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
            at = self.clawed(credit)
            if at is None or not start <= at < end:
                continue
            paid_in = period_of(deal.closed_at, self.kind)
            amount, with_it, without = self.earned_by(credit, paid_in)
            if amount == 0:
                continue
            lines.append(
                PayLine(
                    "clawback",
                    f"clawback: {deal.opportunity_id} (account {deal.account_id} churned "
                    f"{at.date()}, {(at - deal.closed_at).days} days after the close on "
                    f"{deal.closed_at.date()}, within {days}): credit {credit.credit:,.2f}; "
                    f"what it earned in {paid_in}: pay with it {with_it:,.2f} less pay "
                    f"without it {without:,.2f}",
                    -amount,
                    bookings=credit.credit,
                )
            )
        return lines

    def true_up(self, period: Period) -> PayLine | None:
        """In a plan with a year-end true-up, the year's last paid period also pays what
        the year's cumulative attainment earns above what the year's periods paid (never
        less: a true-up only adds). Deals clawed back by the year's end count on neither side."""
        if not self.plan.true_up or period.kind == "year":
            return None
        year = Period(period.year, "year")
        parts = year.parts(period.kind)
        if period != parts[-1]:
            return None
        deals = self.deals_in(year)
        gone = [c for c in deals if self._clawed_by(c, year.end_at)]
        credited = sum((c.credit for c in deals), ZERO) - sum((c.credit for c in gone), ZERO)
        quotas = [q for q in (self.quota(p) for p in parts) if q is not None]
        if not quotas:
            return None
        quota = sum((q.amount for q in quotas), ZERO)
        payee = self.ledger.payee
        target, _ = period_share(payee.variable_target, year, payee.hired_at, self.rule)
        annual = compute_payout(
            self.plan, quota=quota, credited=credited, target=target, rule=self.rule
        ).total
        paid = sum((line.amount for p in parts for line in self.pay_lines(p)), ZERO)
        paid -= sum(
            (self.earned_by(c, period_of(c.deal.closed_at, self.kind))[0] for c in gone), ZERO
        )
        if annual <= paid:
            return None
        return PayLine(
            "true-up",
            f"year-end true-up: {year} at cumulative attainment ({credited:,.2f} of "
            f"{quota:,.2f}) earns {annual:,.2f}; its {period.kind}s paid {paid:,.2f}",
            annual - paid,
        )

    def _clawed_by(self, credit: CreditLine, moment: datetime) -> bool:
        at = self.clawed(credit)
        return at is not None and at < moment

    def _earned(self, period: Period) -> Decimal:
        """What the period earned before any draw."""
        lines = self.pay_lines(period) + self.clawbacks(period)
        true_up = self.true_up(period)
        if true_up is not None:
            lines.append(true_up)
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
