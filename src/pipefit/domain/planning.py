"""The planning question, side by side: hire reps, make presales more productive, or hire
presales (DOMAIN section 2), each with its first-year cost and expected revenue.

The figures come from the team's own history (win rate, cycle length, deal size,
bookings per rep) where there is one; the gains of investing in presales default to the
ranges of the McKinsey survey the article cites (conversion +5 points, revenue +6% to
+13%, velocity +10% to +20%). Every option says how it was computed and which inputs
are assumptions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from pipefit.domain.money import RoundingRule, exact, percent
from pipefit.domain.quotas import Ramp

__all__ = ["Assumptions", "Option", "TeamFacts", "plan_options", "productive_share"]


@dataclass(frozen=True)
class TeamFacts:
    """The team as its history shows it (over `window`)."""

    reps: int
    presales: int
    window: str
    bookings: Decimal  # closed-won in the window, workspace currency
    won: int = 0
    lost: int = 0
    cycle_days: Decimal | None = None  # average days from creation to a won close
    avg_deal: Decimal | None = None
    rep_bookings: tuple[Decimal, ...] = ()  # per rep in the window (quartiles for ranges)
    rep_quota: Decimal | None = None  # average yearly quota per rep
    rep_ote: Decimal = Decimal(0)  # base + variable at 100%, average
    presales_ote: Decimal = Decimal(0)
    presales_needed: Decimal | None = None  # at each segment's norm, summed

    @property
    def win_rate(self) -> Fraction | None:
        closed = self.won + self.lost
        return Fraction(self.won, closed) if closed else None

    def quartiles(self) -> tuple[Decimal, Decimal, Decimal] | None:
        values = sorted(self.rep_bookings)
        if not values:
            return None

        def at(q: float) -> Decimal:
            return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]

        return at(0.25), at(0.5), at(0.75)


@dataclass(frozen=True)
class Assumptions:
    """Inputs that are not in the history; each is labelled as an assumption."""

    gain: Decimal = Decimal("0.05")  # the productivity gain asked about
    reps_per_presales: Decimal = Decimal(5)  # the team's norm
    revenue_gain: tuple[Decimal, Decimal] = (Decimal("0.06"), Decimal("0.13"))
    conversion_points: Decimal = Decimal(5)
    velocity_gain: tuple[Decimal, Decimal] = (Decimal("0.10"), Decimal("0.20"))
    rep_ramp: Ramp = field(default_factory=Ramp)
    presales_ramp_months: int = 3
    enablement_cost_per_presales: Decimal = Decimal(5000)
    default_cycle_days: Decimal = Decimal(90)

    def labels(self) -> list[str]:
        low, high = self.revenue_gain
        vlow, vhigh = self.velocity_gain
        return [
            f"productivity gain asked about: {percent(self.gain)}",
            f"presales norm: 1 per {self.reps_per_presales:g} reps (blended over segments)",
            f"McKinsey survey as the article cites it: revenue +{percent(low)} to "
            f"+{percent(high)}, conversion +{self.conversion_points:g} points, sales velocity "
            f"+{percent(vlow)} to +{percent(vhigh)}",
            f"a new presales engineer is productive after {self.presales_ramp_months} months",
            f"enablement (training, tools) costs {self.enablement_cost_per_presales:,.0f} "
            "per presales engineer a year",
        ]


@dataclass(frozen=True)
class Option:
    name: str
    headcount: int
    cost: Decimal
    revenue_low: Decimal
    revenue_expected: Decimal
    revenue_high: Decimal
    how: tuple[str, ...]

    @property
    def revenue_per_cost(self) -> Decimal | None:
        if self.cost == 0:
            return None
        return (self.revenue_expected / self.cost).quantize(Decimal("0.01"))


def productive_share(ramp: Ramp, cycle_days: Decimal, months: int = 12) -> Fraction:
    """The share of a full year's bookings a new hire brings in their first `months`.

    Month by month at the ramp's percentage, but nothing closes before one sales cycle.
    """
    cycle_months = math.ceil(cycle_days / Decimal("30.4"))
    total = Fraction(0)
    for month in range(1, months + 1):
        selling = month - cycle_months
        if selling < 1:
            continue
        pct = ramp.percents[selling - 1] if selling <= len(ramp.percents) else Decimal(100)
        total += exact(pct) / 100
    return total / months


def plan_options(
    facts: TeamFacts,
    *,
    hire_reps: int,
    hire_presales: int,
    assumptions: Assumptions,
    rule: RoundingRule | None = None,
) -> list[Option]:
    rule = rule or RoundingRule()
    a = assumptions
    cycle = facts.cycle_days if facts.cycle_days is not None else a.default_cycle_days
    cycle_src = "history" if facts.cycle_days is not None else "assumption"
    options: list[Option] = []

    # 1. Hire reps: each brings a typical rep's bookings, ramped, after one sales cycle.
    share = productive_share(a.rep_ramp, cycle)
    quartiles = facts.quartiles()
    low, mid, high = quartiles if quartiles else (Decimal(0),) * 3
    options.append(
        Option(
            name=f"hire {hire_reps} more rep{'' if hire_reps == 1 else 's'}",
            headcount=hire_reps,
            cost=rule(exact(facts.rep_ote) * hire_reps),
            revenue_low=rule(exact(low) * share * hire_reps),
            revenue_expected=rule(exact(mid) * share * hire_reps),
            revenue_high=rule(exact(high) * share * hire_reps),
            how=(
                f"a rep books {mid:,.0f} a year (median rep; quartiles {low:,.0f}-{high:,.0f}; "
                f"history {facts.window})",
                f"year one brings {float(share * 100):.1f}% of that: nothing closes in the "
                f"first sales cycle ({cycle:.0f} days, {cycle_src}), then the ramp",
                f"cost: on-target earnings {facts.rep_ote:,.0f} per rep (history)",
            ),
        )
    )

    # 2. Make presales more productive: a gain on what the team books, no headcount.
    g_low, g_high = min(a.gain, a.revenue_gain[0]), max(a.gain, a.revenue_gain[1])
    rate = facts.win_rate
    conversion = (
        f"conversion +{a.conversion_points:g} points on a {float(rate * 100):.1f}% win rate "
        f"would be +{float(exact(a.conversion_points) / 100 / rate * 100):.0f}% revenue"
        if rate
        else "no closed deals in the history to apply a conversion gain to"
    )
    vlow, vhigh = a.velocity_gain
    options.append(
        Option(
            name=f"make presales {percent(a.gain)} more productive",
            headcount=0,
            cost=rule(exact(a.enablement_cost_per_presales) * facts.presales),
            revenue_low=rule(exact(facts.bookings) * exact(g_low)),
            revenue_expected=rule(exact(facts.bookings) * exact(a.gain)),
            revenue_high=rule(exact(facts.bookings) * exact(g_high)),
            how=(
                f"the team booked {facts.bookings:,.0f} ({facts.window}); expected x "
                f"{percent(a.gain)}, range {percent(g_low)}-{percent(g_high)} (assumption: "
                "McKinsey, revenue +6% to +13%)",
                conversion,
                f"sales velocity +{percent(vlow)} to +{percent(vhigh)} would shorten the "
                f"{cycle:.0f}-day cycle to {cycle / (1 + vhigh):.0f}-{cycle / (1 + vlow):.0f} days",
                f"cost: enablement for {facts.presales} presales engineers (assumption)",
            ),
        )
    )

    # 3. Hire presales: they help only where presales are short of the norm; each new
    # hire (up to the shortfall) covers the reps one presales covers at the norm.
    needed_f = (
        exact(facts.presales_needed)
        if facts.presales_needed is not None
        else exact(facts.reps) / exact(a.reps_per_presales)
    )
    short = max(Fraction(0), needed_f - facts.presales)
    helping = min(Fraction(hire_presales), short)
    per_presales = exact(facts.reps) / needed_f if needed_f else Fraction(0)
    reached = helping * per_presales
    per_rep = facts.rep_quota if facts.rep_quota is not None else mid
    ramp_share = Fraction(max(0, 12 - a.presales_ramp_months), 12)
    base = exact(per_rep) * reached * ramp_share
    options.append(
        Option(
            name=f"hire {hire_presales} more presales",
            headcount=hire_presales,
            cost=rule(exact(facts.presales_ote) * hire_presales),
            revenue_low=rule(base * exact(g_low)),
            revenue_expected=rule(base * exact(a.gain)),
            revenue_high=rule(base * exact(g_high)),
            how=(
                f"{facts.reps} reps and {facts.presales} presales; the norms ask for "
                f"{float(needed_f):.1f} presales, so {float(short):.1f} are missing; "
                f"{float(helping):.1f} new hires count, each covering "
                f"{float(per_presales):.1f} reps",
                f"each covered rep carries a quota of {per_rep:,.0f}, influenced with a "
                f"{percent(a.gain)} gain (range {percent(g_low)}-{percent(g_high)}), "
                f"productive after {a.presales_ramp_months} months",
                f"cost: on-target earnings {facts.presales_ote:,.0f} per presales (history)",
            ),
        )
    )
    return options
