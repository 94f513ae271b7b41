"""What a plan's SPIFFs pay one person in a period, deal by deal, and what churn takes back.

Each SPIFF gives one statement line per period (kind `spiff`, `rate uplift` or `team
bonus`) naming its qualifying deals. Earnings are kept per deal in close order after the
caps: the period cap and what is left of the total cap are filled deal by deal, so a
deal past a cap earns nothing (or the part that still fitted). A deal whose customer
churns within the plan's `clawback_days` of its close gives back, in the period of the
churn, exactly what it earned from each SPIFF (a `spiff clawback` line). A team bonus is
earned by the group's total, not by one deal, so churn does not take it back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from pipefit.domain.credit import CreditLine
from pipefit.domain.money import ZERO, RoundingRule, exact
from pipefit.domain.payout import PayLine
from pipefit.domain.periods import Period, period_of
from pipefit.domain.spiffs import DealTraits, Spiff, SpiffKind, utc_day

__all__ = ["BonusBook", "BonusCalculator", "Earning", "Group", "bonus_lines"]

NO_TRAITS = DealTraits()


@dataclass(frozen=True)
class Group:
    """The team or pool a team bonus measures: its members and its bookings' credit lines
    (its reps' own and revenue-split credit, so a split deal counts once)."""

    group_id: str
    members: int
    lines: tuple[CreditLine, ...]


@dataclass(frozen=True)
class BonusBook:
    """What SPIFFs read beside a person's credit: each deal's traits (segment, product,
    new logo), and for each team bonus the payee's group (absent: in no such group)."""

    traits: Mapping[str, DealTraits]
    groups: Mapping[str, Group]


@dataclass(frozen=True)
class Earning:
    spiff: str
    period: Period
    deal_id: str | None  # None: a team bonus, earned by the group's total
    amount: Decimal  # after the caps
    uncapped: Decimal


@dataclass(frozen=True)
class _Due:
    """What a SPIFF would pay in a period before its caps, and the deals behind it."""

    items: tuple[tuple[str | None, Decimal], ...]
    deals: tuple[str, ...]
    note: str


class BonusCalculator:
    """One person's SPIFF earnings, memoised per SPIFF and period (the total cap carries
    from each period to the next)."""

    def __init__(
        self,
        spiffs: Sequence[Spiff],
        credits: Sequence[CreditLine],
        book: BonusBook,
        rule: RoundingRule,
        kind: str,
    ) -> None:
        self.spiffs = tuple(spiffs)
        self.credits = sorted(credits, key=lambda c: (c.deal.closed_at, c.deal.opportunity_id))
        self.book = book
        self.rule = rule
        self.kind = kind
        self._earned: dict[tuple[str, Period], tuple[Earning, ...]] = {}

    def _qualifying(
        self, spiff: Spiff, lines: Sequence[CreditLine], period: Period
    ) -> list[CreditLine]:
        chosen: list[CreditLine] = []
        seen: set[str] = set()
        for c in lines:
            deal = c.deal
            if not period.holds(deal.closed_at) or deal.opportunity_id in seen:
                continue
            traits = self.book.traits.get(deal.opportunity_id, NO_TRAITS)
            if spiff.qualifies(traits, c.converted, utc_day(deal.closed_at)):
                seen.add(deal.opportunity_id)
                chosen.append(c)
        return chosen

    def due(self, spiff: Spiff, period: Period) -> _Due:
        if spiff.kind is SpiffKind.TEAM_BONUS:
            return self._team_due(spiff, period)
        items: list[tuple[str | None, Decimal]] = []
        deals = self._qualifying(spiff, self.credits, period)
        for c in deals:
            if spiff.kind is SpiffKind.PER_DEAL:
                # A share of a deal (a revenue split) earns that share of the amount.
                due = self.rule(exact(spiff.amount or ZERO) * exact(c.percent) / 100)
            else:
                due = self.rule(exact(c.credit) * exact(spiff.uplift_pct or ZERO) / 100)
            items.append((c.deal.opportunity_id, due))
        if spiff.kind is SpiffKind.PER_DEAL:
            note = f"{_deals(len(deals))} x {spiff.amount or ZERO:,.2f}"
        else:
            credit = sum((c.credit for c in deals), ZERO)
            note = f"{_deals(len(deals))}, credit {credit:,.2f} x {spiff.uplift_pct:g}% extra"
        return _Due(tuple(items), tuple(c.deal.opportunity_id for c in deals), note)

    def _team_due(self, spiff: Spiff, period: Period) -> _Due:
        group = self.book.groups.get(spiff.name)
        if group is None:
            return _Due((), (), "")
        deals = self._qualifying(spiff, group.lines, period)
        # Every line of a qualifying deal counts: two team reps splitting it add up to it.
        ids = {c.deal.opportunity_id for c in deals}
        total = sum((c.credit for c in group.lines if c.deal.opportunity_id in ids), ZERO)
        target = spiff.target or ZERO
        amount = spiff.amount or ZERO
        if total < target:
            note = (
                f"{spiff.group} {group.group_id} booked {total:,.2f} of the "
                f"{target:,.2f} target: not reached"
            )
            return _Due((), tuple(c.deal.opportunity_id for c in deals), note)
        if spiff.split == "equal" and group.members > 1:
            due = self.rule(exact(amount) / group.members)
            share = f"{amount:,.2f} shared by {group.members} members"
        else:
            due, share = self.rule(amount), f"{amount:,.2f} to each member"
        note = (
            f"{spiff.group} {group.group_id} booked {total:,.2f}, reaching the "
            f"{target:,.2f} target: {share}"
        )
        return _Due(((None, due),), tuple(c.deal.opportunity_id for c in deals), note)

    def periods_up_to(self, spiff: Spiff, period: Period) -> list[Period]:
        """The pay periods from the SPIFF's first through `period`."""
        first = period_of(spiff.start, self.kind)
        found: list[Period] = []
        current = first
        while current.start <= period.start:
            found.append(current)
            current = period_of(current.end, self.kind)
        return found

    def earnings(self, spiff: Spiff, period: Period) -> tuple[Earning, ...]:
        key = (spiff.name, period)
        if key in self._earned:
            return self._earned[key]
        paid_before = ZERO
        if spiff.cap_total is not None:
            paid_before = sum(
                (
                    e.amount
                    for p in self.periods_up_to(spiff, period)[:-1]
                    for e in self.earnings(spiff, p)
                ),
                ZERO,
            )
        left_period = spiff.cap_per_period
        left_total = None if spiff.cap_total is None else max(spiff.cap_total - paid_before, ZERO)
        found = []
        for deal_id, uncapped in self.due(spiff, period).items:
            amount = uncapped
            for left in (left_period, left_total):
                if left is not None:
                    amount = min(amount, left)
            if left_period is not None:
                left_period -= amount
            if left_total is not None:
                left_total -= amount
            found.append(Earning(spiff.name, period, deal_id, amount, uncapped))
        self._earned[key] = tuple(found)
        return self._earned[key]

    def lines(self, period: Period) -> list[PayLine]:
        lines = []
        for spiff in self.spiffs:
            due = self.due(spiff, period)
            if not due.deals and not due.items:
                continue
            earned = self.earnings(spiff, period)
            paid = sum((e.amount for e in earned), ZERO)
            uncapped = sum((e.uncapped for e in earned), ZERO)
            label = f"{spiff.line_kind} '{spiff.name}' ({spiff.conditions()}): {due.note}"
            if earned:
                label += f" = {uncapped:,.2f}"
            if paid != uncapped:
                caps = []
                if spiff.cap_per_period is not None:
                    caps.append(f"{spiff.cap_per_period:,.2f} a period")
                if spiff.cap_total is not None:
                    caps.append(f"{spiff.cap_total:,.2f} in total")
                label += f", capped at {' and '.join(caps)}: pays {paid:,.2f}"
            lines.append(PayLine(spiff.line_kind, label, paid, deals=due.deals))
        return lines

    def clawbacks(
        self, period: Period, churned: Mapping[str, datetime], days: int | None
    ) -> list[PayLine]:
        """What deals whose customers churned in `period`, within `days` of their close,
        earned from SPIFFs: taken back exactly, SPIFF by SPIFF."""
        if days is None or not self.spiffs:
            return []
        reach = timedelta(days=days)
        lines = []
        seen: set[str] = set()
        for c in self.credits:
            deal = c.deal
            if deal.opportunity_id in seen or deal.account_id not in churned:
                continue
            at = churned[deal.account_id or ""]
            if not period.holds(at) or not timedelta(0) <= at - deal.closed_at <= reach:
                continue
            seen.add(deal.opportunity_id)
            paid_in = period_of(deal.closed_at, self.kind)
            for spiff in self.spiffs:
                earned = sum(
                    (
                        e.amount
                        for e in self.earnings(spiff, paid_in)
                        if e.deal_id == deal.opportunity_id
                    ),
                    ZERO,
                )
                if earned == 0:
                    continue
                lines.append(
                    PayLine(
                        "spiff clawback",
                        f"spiff clawback: {deal.opportunity_id} earned {earned:,.2f} from "
                        f"{spiff.line_kind} '{spiff.name}' in {paid_in}; account "
                        f"{deal.account_id} churned {at.date()}, "
                        f"{(at - deal.closed_at).days} days after the close, within {days}",
                        -earned,
                        deals=(deal.opportunity_id,),
                    )
                )
        return lines


def _deals(count: int) -> str:
    return f"{count} qualifying deal" + ("" if count == 1 else "s")


def bonus_lines(
    spiffs: Sequence[Spiff],
    credits: Sequence[CreditLine],
    book: BonusBook | None,
    churned: Mapping[str, datetime],
    clawback_days: int | None,
    rule: RoundingRule,
    period: Period,
) -> list[PayLine]:
    """A statement's SPIFF lines for `period`, then their clawbacks."""
    if not spiffs:
        return []
    calc = BonusCalculator(spiffs, credits, book or BonusBook({}, {}), rule, period.kind)
    return calc.lines(period) + calc.clawbacks(period, churned, clawback_days)
