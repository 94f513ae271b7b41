"""What a plan pays for bookings against a quota: one line per tier, then the cap.

The on-target rate is variable target / quota: what one unit of bookings earns at 100%.
A tier pays its `rate` times that on the bookings it covers (marginal: the bookings inside
its band; flat: all bookings, at the rate of the band reached). Every line is computed
exactly and rounded once by the rounding rule; the pay is the sum of the lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from pipefit.domain.money import WIDE, ZERO, RoundingRule, exact
from pipefit.domain.plans import Plan, TierMode

__all__ = ["PayLine", "Payout", "compute_payout", "curve_pct"]

HUNDRED = Fraction(100)


@dataclass(frozen=True)
class PayLine:
    """One line of pay. `kind`: tier, cap, paid earlier, no recovery, clawback, draw, ..."""

    kind: str
    label: str
    amount: Decimal
    tier: int | None = None
    rate: Decimal | None = None
    bookings: Decimal | None = None  # the bookings a tier line pays on
    deals: tuple[str, ...] = ()  # the deals a line is about (a SPIFF's qualifying deals)
    origin: str | None = None  # an adjustment: the closed period it corrects


@dataclass(frozen=True)
class Payout:
    quota: Decimal
    credited: Decimal
    target: Decimal
    lines: tuple[PayLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def attainment(self) -> Fraction:
        return exact(self.credited) / exact(self.quota)


def compute_payout(
    plan: Plan, *, quota: Decimal, credited: Decimal, target: Decimal, rule: RoundingRule
) -> Payout:
    """The tier lines (and the cap line, if the cap bites) for one attainment window."""
    if quota < 0:
        raise plan.fail("quota", f"is {quota:,.2f}; a quota cannot be negative")
    if quota == 0:
        raise plan.fail("quota", "is 0, so attainment is undefined; set a quota for the period")
    if target < 0:
        raise plan.fail("variable_target", f"is {target:,.2f}; it cannot be negative")
    # Band edges and the bookings inside them are exact decimals; the one division (by
    # the quota) is exact as a fraction, then rounded once by the rule.
    q = exact(quota)
    booked = max(credited, ZERO)
    pct = f"{float(target) / float(quota) * 100:.4f}%"

    def pay(bookings: Decimal, rate: Decimal) -> Decimal:
        return rule.of(WIDE.multiply(WIDE.multiply(bookings, rate), target), quota)

    lines: list[PayLine] = []
    if plan.mode is TierMode.MARGINAL:
        for i, tier in enumerate(plan.tiers):
            low = WIDE.multiply(quota, tier.start).scaleb(-2)
            if i > 0 and booked <= low:
                break
            top = booked
            if tier.end is not None:
                top = min(booked, WIDE.multiply(quota, tier.end).scaleb(-2))
            inside = max(WIDE.subtract(top, low), ZERO)
            lines.append(
                PayLine(
                    "tier",
                    f"tier {i + 1}, {tier.band} ({tier.kind}): {inside:,.2f} of bookings in "
                    f"the band x rate {tier.rate:g} x on-target rate {pct}",
                    pay(inside, tier.rate),
                    tier=i,
                    rate=tier.rate,
                    bookings=rule(inside),
                )
            )
    else:
        i = plan.tier_at(exact(booked) * HUNDRED / q)
        tier = plan.tiers[i]
        lines.append(
            PayLine(
                "tier",
                f"tier {i + 1}, {tier.band} ({tier.kind}, flat: its rate applies to all "
                f"bookings): {booked:,.2f} of bookings x rate {tier.rate:g} x on-target rate {pct}",
                pay(booked, tier.rate),
                tier=i,
                rate=tier.rate,
                bookings=rule(booked),
            )
        )
    gross = sum((line.amount for line in lines), ZERO)
    if plan.cap_pct is not None:
        cap = rule(WIDE.multiply(target, plan.cap_pct).scaleb(-2))
        if gross > cap:
            lines.append(
                PayLine(
                    "cap",
                    f"cap: a period pays at most {plan.cap_pct:g}% of its variable target "
                    f"({cap:,.2f})",
                    cap - gross,
                )
            )
    return Payout(quota=quota, credited=credited, target=target, lines=tuple(lines))


def curve_pct(plan: Plan, attainment_pct: Fraction) -> Fraction:
    """Exact payout as % of the variable target at an attainment (the curve, unrounded)."""
    a = max(attainment_pct, Fraction(0))
    if plan.mode is TierMode.FLAT:
        i = plan.tier_at(a)
        value = a * exact(plan.tiers[i].rate)
    else:
        value = Fraction(0)
        for tier in plan.tiers:
            low = exact(tier.start)
            if a <= low:
                break
            high = a if tier.end is None else min(a, exact(tier.end))
            value += (high - low) * exact(tier.rate)
    if plan.cap_pct is not None:
        value = min(value, exact(plan.cap_pct))
    return value
