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
import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from pipefit.domain.capacity import hundredths
from pipefit.domain.money import RoundingRule, exact, percent
from pipefit.domain.quotas import Ramp

__all__ = [
    "Assumptions",
    "Option",
    "TeamFacts",
    "Workload",
    "plan_options",
    "productive_share",
]


@dataclass(frozen=True)
class Workload:
    """The presales engineers' open deals now, against the configured limit per engineer."""

    open_deals: tuple[int, ...]  # one per engineer
    max_open_deals: int

    @property
    def overload(self) -> int:
        """Open deals beyond their engineer's limit: deals nobody has time for today."""
        return sum(max(0, n - self.max_open_deals) for n in self.open_deals)

    @property
    def needed(self) -> Fraction | None:
        """Engineers the open deals ask for at the limit (530 deals at 40: 53/4)."""
        if self.max_open_deals <= 0:
            return None
        return Fraction(sum(self.open_deals), self.max_open_deals)


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
    presales_needed: Fraction | None = None  # at each segment's norm, summed, exactly
    workload: Workload | None = None  # open deals per engineer now

    @property
    def win_rate(self) -> Fraction | None:
        closed = self.won + self.lost
        return Fraction(self.won, closed) if closed else None

    def quartiles(self) -> tuple[Decimal, Decimal, Decimal] | None:
        """The reps' bookings at the first quartile, the median and the third quartile.

        The median of an even count is the mean of the two middle values; the quartiles
        interpolate the same way (statistics' inclusive method)."""
        values = sorted(self.rep_bookings)
        if not values:
            return None
        if len(values) == 1:
            return values[0], values[0], values[0]
        low, _, high = statistics.quantiles(values, n=4, method="inclusive")
        return low, statistics.median(values), high


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
    cost_basis: str = ""  # what the cost is made of, printed beside revenue per cost

    @property
    def revenue_per_cost(self) -> Decimal | None:
        """Expected revenue per unit of cost, to the hundredth (read with `cost_basis`)."""
        if self.cost == 0:
            return None
        return hundredths(exact(self.revenue_expected) / exact(self.cost))


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
            cost_basis=f"on-target earnings {facts.rep_ote:,.0f} x {hire_reps} (history)",
            how=(
                f"a rep books {mid:,.0f} a year (the median rep; quartiles {low:,.0f}-{high:,.0f}; "
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
            cost_basis=f"enablement {a.enablement_cost_per_presales:,.0f} x {facts.presales} "
            "presales (assumption)",
            how=(
                f"the team booked {facts.bookings:,.0f} ({facts.window}); expected x "
                f"{percent(a.gain)}, range {percent(g_low)}-{percent(g_high)} (assumption: "
                "McKinsey, revenue +6% to +13%)",
                conversion,
                f"sales velocity +{percent(vlow)} to +{percent(vhigh)} would shorten the "
                f"{cycle:.0f}-day cycle to {cycle / (1 + vhigh):.0f}-{cycle / (1 + vlow):.0f} days",
                f"cost: enablement for {facts.presales} presales engineers (assumption)",
                *_basis_lines(facts, a.gain),
            ),
        )
    )

    options.append(_hire_presales(facts, hire_presales, a, rule, g_low, g_high, cycle))
    return options


def _basis_lines(facts: TeamFacts, gain: Decimal) -> list[str]:
    """Why this comparison and the multiplier (quota x gain) give different figures."""
    if facts.rep_quota is None or not facts.reps:
        return []
    quota = exact(facts.rep_quota) * facts.reps
    if not quota:
        return []
    share = exact(facts.bookings) / quota
    return [
        f"basis: bookings, what the team closed; the presales multiplier counts the gain on "
        f"quota instead ({facts.reps} reps x {facts.rep_quota:,.0f} x {percent(gain)} = "
        f"{float(quota * exact(gain)):,.0f}); the team booked {float(share * 100):.1f}% of "
        "its quota, so the two differ by that share (and the multiplier takes each "
        "segment's own gain)"
    ]


def _hire_presales(
    facts: TeamFacts,
    hires: int,
    a: Assumptions,
    rule: RoundingRule,
    g_low: Decimal,
    g_high: Decimal,
    cycle: Decimal,
) -> Option:
    """A presales hire, valued on bookings by the larger of two bases.

    The norm: hires up to the shortfall against the presales:reps norms each cover the reps
    one presales covers at the norm, and a gain on those reps' bookings.
    The workload: deals beyond an engineer's open-deal limit get no presales time; a hire
    takes up to the limit of them, each winning `conversion_points` more (the McKinsey
    figure, an assumption) on the average deal, turning over once per sales cycle.
    Taking the larger, not the sum: the same hours cannot both cover reps and work deals.
    """
    needed_f = (
        exact(facts.presales_needed)
        if facts.presales_needed is not None
        else exact(facts.reps) / exact(a.reps_per_presales)
    )
    short = max(Fraction(0), needed_f - facts.presales)
    helping = min(Fraction(hires), short)
    per_presales = exact(facts.reps) / needed_f if needed_f else Fraction(0)
    reached = helping * per_presales
    per_rep = exact(facts.bookings) / facts.reps if facts.reps else Fraction(0)
    ramp_share = Fraction(max(0, 12 - a.presales_ramp_months), 12)
    base = per_rep * reached * ramp_share
    by_norm = (base * exact(g_low), base * exact(a.gain), base * exact(g_high))
    norm_how = (
        f"by the norm: {facts.reps} reps and {facts.presales} presales; the norms ask for "
        f"{float(needed_f):.2f} presales, so {float(short):.2f} are missing; "
        f"{float(helping):.2f} new hires count, each covering {float(per_presales):.2f} reps "
        f"booking {float(per_rep):,.0f} a year (the team's bookings per rep), with a "
        f"{percent(a.gain)} gain (range {percent(g_low)}-{percent(g_high)}), productive "
        f"after {a.presales_ramp_months} months: {float(by_norm[1]):,.0f}"
    )
    by_load, load_how = _by_workload(facts, hires, a, cycle, ramp_share)
    if by_load is not None and by_load[1] > by_norm[1]:
        chosen, basis = by_load, "the workload"
    else:
        chosen, basis = by_norm, "the norm"
    how = [norm_how, *load_how, f"valued by {basis}, the larger (not both: one person's hours)"]
    how.append(f"cost: on-target earnings {facts.presales_ote:,.0f} per presales (history)")
    return Option(
        name=f"hire {hires} more presales",
        headcount=hires,
        cost=rule(exact(facts.presales_ote) * hires),
        revenue_low=rule(min(chosen)),
        revenue_expected=rule(chosen[1]),
        revenue_high=rule(max(chosen)),
        cost_basis=f"on-target earnings {facts.presales_ote:,.0f} x {hires} (history)",
        how=tuple(how),
    )


def _by_workload(
    facts: TeamFacts, hires: int, a: Assumptions, cycle: Decimal, ramp_share: Fraction
) -> tuple[tuple[Fraction, Fraction, Fraction] | None, list[str]]:
    """What the hires earn by working the deals today's engineers have no time for."""
    load = facts.workload
    if load is None or facts.avg_deal is None or not cycle:
        return None, ["by the workload: no open deals or closed deals to measure it by"]
    limit = load.max_open_deals
    taken = min(hires * limit, load.overload)
    per_deal = exact(a.conversion_points) / 100 * exact(facts.avg_deal)
    turns = Fraction(365) / exact(cycle)
    _, vhigh = a.velocity_gain
    expected = taken * turns * per_deal * ramp_share
    low = taken * per_deal * ramp_share  # the deals waiting today, once: no turnover
    high = expected * (1 + exact(vhigh))  # turning over at the faster cycle
    shown = ", ".join(str(n) for n in load.open_deals) or "none"
    return (low, expected, high), [
        f"by the workload: the engineers hold {shown} open deals against a limit of {limit} "
        f"each, {load.overload} beyond it (the open deals ask for "
        f"{float(load.needed or 0):.2f} engineers); {hires} hire(s) take {taken} of them",
        f"a deal worked wins {a.conversion_points:g} points more (assumption: McKinsey, "
        f"conversion +{a.conversion_points:g} points) on the {facts.avg_deal:,.0f} average "
        f"deal, and the {taken} turn over every {cycle:.0f}-day cycle ({float(turns):.2f} "
        f"times a year), productive after {a.presales_ramp_months} months: "
        f"{float(expected):,.0f} (range: today's deals once {float(low):,.0f}; a "
        f"{percent(vhigh)} faster cycle {float(high):,.0f})",
    ]
