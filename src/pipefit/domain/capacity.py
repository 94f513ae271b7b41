"""The presales multiplier and capacity norms (DOMAIN section 2).

One presales person influences the quota of every rep they cover:
`influenced = reps_per_presales x rep_quota`, and a productivity gain `g` yields
`influenced x g` more revenue with no new headcount. The article's two scenarios:
1:10 at $750,000 with 5% -> $375,000; 1:5 at $900,000 with 10% -> $450,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from pipefit.domain.errors import PipefitError
from pipefit.domain.money import RoundingRule, exact

_HUNDREDTHS = RoundingRule(Decimal("0.01"))

__all__ = [
    "Multiplier",
    "Norm",
    "SegmentCapacity",
    "SegmentFacts",
    "average",
    "hundredths",
    "multiplier",
    "norm_for",
    "segment_capacity",
]


def average(values: Sequence[Decimal]) -> Decimal | None:
    """The mean to the cent (None for no values): a segment's quota, a role's pay."""
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))


def hundredths(value: Fraction | Decimal | int) -> Decimal:
    """A count or a ratio held exactly, shown to the hundredth (half even): 4/3 -> 1.33."""
    return _HUNDREDTHS(value)


@dataclass(frozen=True)
class Multiplier:
    reps_per_presales: Decimal
    rep_quota: Decimal
    gain: Decimal
    influenced_quota: Decimal
    extra_revenue: Decimal


def multiplier(
    reps_per_presales: Decimal | Fraction,
    rep_quota: Decimal,
    gain: Decimal,
    rule: RoundingRule | None = None,
) -> Multiplier:
    """What one presales person influences, and what a gain on it is worth."""
    rule = rule or RoundingRule()
    for name, value in (
        ("reps per presales", reps_per_presales),
        ("rep quota", rep_quota),
        ("gain", gain),
    ):
        if value < 0:
            raise PipefitError(f"{name} is {value}; it cannot be negative")
    influenced = exact(reps_per_presales) * exact(rep_quota)
    ratio = reps_per_presales
    if isinstance(ratio, Fraction):
        ratio = rule(ratio) if ratio.denominator != 1 else Decimal(ratio.numerator)
    return Multiplier(
        reps_per_presales=ratio,
        rep_quota=rep_quota,
        gain=gain,
        influenced_quota=rule(influenced),
        extra_revenue=rule(influenced * exact(gain)),
    )


@dataclass(frozen=True)
class Norm:
    """A configured presales:reps ratio for deals of a size (average contract value)."""

    name: str
    reps_per_presales: Decimal
    gain: Decimal
    acv_min: Decimal | None = None
    acv_max: Decimal | None = None
    source: str = ""

    def matches(self, acv: Decimal) -> bool:
        return (self.acv_min is None or acv >= self.acv_min) and (
            self.acv_max is None or acv <= self.acv_max
        )

    @property
    def ratio(self) -> str:
        return f"1:{self.reps_per_presales:g}"


def norm_for(acv: Decimal | None, norms: Sequence[Norm]) -> Norm | None:
    """The norm whose ACV band holds `acv`; between bands, the nearest band."""
    if acv is None or not norms:
        return None
    for norm in norms:
        if norm.matches(acv):
            return norm

    def distance(norm: Norm) -> Decimal:
        if norm.acv_min is not None and acv < norm.acv_min:
            return norm.acv_min - acv
        if norm.acv_max is not None and acv > norm.acv_max:
            return acv - norm.acv_max
        return Decimal(0)

    return min(norms, key=distance)


@dataclass(frozen=True)
class SegmentFacts:
    """A segment's team as the history shows it."""

    segment: str
    reps: int
    presales: int
    acv: Decimal | None  # average closed-won deal
    rep_quota: Decimal | None  # average yearly quota per rep
    won_deals: int = 0
    bookings: Decimal | None = None  # closed-won in the window


@dataclass(frozen=True)
class SegmentCapacity:
    facts: SegmentFacts
    norm: Norm | None
    gain: Decimal
    actual: Multiplier | None  # at the team's own ratio
    at_norm: Multiplier | None  # at the configured ratio
    presales_at_norm: Decimal | None  # how many presales the norm asks for

    @property
    def actual_ratio(self) -> str:
        if not self.facts.presales:
            return "no presales"
        # To the hundredth, as the norm's own ratio is written (10 reps, 3 presales: 1:3.33).
        ratio = hundredths(Fraction(self.facts.reps, self.facts.presales)).normalize()
        return f"1:{ratio:f}"

    @property
    def presales_gap(self) -> Decimal | None:
        if self.presales_at_norm is None:
            return None
        return self.presales_at_norm - self.facts.presales


def segment_capacity(
    facts: SegmentFacts,
    norms: Sequence[Norm],
    *,
    gain: Decimal | None = None,
    rule: RoundingRule | None = None,
) -> SegmentCapacity:
    rule = rule or RoundingRule()
    norm = norm_for(facts.acv, norms)
    chosen_gain = gain if gain is not None else (norm.gain if norm else Decimal("0.05"))
    actual = at_norm = None
    needed = None
    if facts.rep_quota is not None and facts.presales:
        ratio = Fraction(facts.reps, facts.presales)
        actual = multiplier(ratio, facts.rep_quota, chosen_gain, rule)
    if norm is not None:
        if facts.rep_quota is not None:
            at_norm = multiplier(norm.reps_per_presales, facts.rep_quota, chosen_gain, rule)
        # Exact (4 reps at 1:3 is 4/3), shown to the hundredth: never truncated to a tenth.
        needed = hundredths(exact(facts.reps) / exact(norm.reps_per_presales))
    return SegmentCapacity(
        facts=facts,
        norm=norm,
        gain=chosen_gain,
        actual=actual,
        at_norm=at_norm,
        presales_at_norm=needed,
    )
