"""Compensation plans: base, variable target, a tiered payout curve, caps, draws, clawbacks.

The payout curve maps attainment (credited bookings / quota, in percent) to variable pay,
through a table of tiers that must cover 0% to infinity with no gap and no overlap.
Each tier has a `rate`: the multiple of the on-target rate it pays (1.0 = pays exactly
its share of the target; 2.0 = an accelerator, twice as fast; 0.5 = a decelerator).

- **marginal** tiers pay each band's rate on the bookings inside that band (the payout
  is continuous at every boundary);
- **flat** tiers pay the rate of the band reached on all bookings (the payout jumps at a
  boundary, by as much as the table says).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from pipefit.domain.errors import ConfigError
from pipefit.domain.spiffs import Spiff, SpiffError, check_spiffs

__all__ = [
    "PRESALES_CREDIT",
    "AttainmentBasis",
    "Draw",
    "PayFrequency",
    "Plan",
    "PlanError",
    "Tier",
    "TierMode",
]

HUNDRED = Decimal(100)
# How a presales engineer on the plan is credited: every deal of their pool, or (overlay)
# every deal they are the presales on, whoever the rep (docs/compensation.md).
PRESALES_CREDIT = ("pool", "deal")


class PlanError(ConfigError):
    """A plan that cannot pay anyone correctly; the message names the plan and the field."""


class TierMode(StrEnum):
    MARGINAL = "marginal"
    FLAT = "flat"


class AttainmentBasis(StrEnum):
    PERIOD = "period"  # each period stands alone
    CUMULATIVE_ANNUAL = "cumulative_annual"  # year to date, less what earlier periods paid


class PayFrequency(StrEnum):
    """How often a plan pays: the period each statement is computed for."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"

    @property
    def kind(self) -> str:
        """The period kind paid (a month, a quarter, a year)."""
        return {"monthly": "month", "quarterly": "quarter", "yearly": "year"}[self.value]


@dataclass(frozen=True)
class Tier:
    """From `start`% to `end`% of quota (None: no end), paying `rate` x the on-target rate."""

    start: Decimal
    end: Decimal | None
    rate: Decimal

    @property
    def kind(self) -> str:
        if self.rate > 1 and self.start >= HUNDRED:
            return "accelerator"
        if self.rate < 1 and self.end is not None and self.end <= HUNDRED:
            return "decelerator"
        if self.rate == 1:
            return "linear"
        return "above target" if self.start >= HUNDRED else "below target"

    @property
    def band(self) -> str:
        end = f"{self.end:g}%" if self.end is not None else "and above"
        return f"{self.start:g}%-{end}" if self.end is not None else f"{self.start:g}% {end}"


@dataclass(frozen=True)
class Draw:
    """An advance paid when earnings fall short: `monthly` per month of the period.

    A recoverable draw is paid back from later earnings of the same year; a
    non-recoverable one is a guarantee. `months` limits it to the first months after hire.
    """

    monthly: Decimal
    recoverable: bool = True
    months: int | None = None


@dataclass(frozen=True)
class Plan:
    name: str
    tiers: tuple[Tier, ...]
    mode: TierMode = TierMode.MARGINAL
    base_salary: Decimal | None = None  # yearly; used when a person's record has none
    variable_target: Decimal | None = None  # yearly, at 100%; likewise a default
    cap_pct: Decimal | None = None  # most a period can pay, as % of its variable target
    attainment: AttainmentBasis = AttainmentBasis.PERIOD
    clawback_days: int | None = None  # claw back a deal whose customer churns this soon
    draw: Draw | None = None
    allow_decreasing: bool = False
    description: str = ""
    spiffs: tuple[Spiff, ...] = ()  # SPIFFs and bonuses on top of the tiers (domain/spiffs)
    presales_credit: str = "pool"
    pay_frequency: PayFrequency = PayFrequency.QUARTERLY
    # Year-end true-up: the last paid period of the year also pays what the year's
    # cumulative attainment earns above what the year's periods paid.
    true_up: bool = False

    def __post_init__(self) -> None:
        self._check_tiers()
        self._check_amounts()
        self._check_extras()

    def _check_extras(self) -> None:
        if self.presales_credit not in PRESALES_CREDIT:
            raise self.fail(
                "presales_credit",
                f"is '{self.presales_credit}'; use one of {', '.join(PRESALES_CREDIT)}",
            )
        try:
            check_spiffs(self.name, self.spiffs)
        except SpiffError as exc:
            raise PlanError(exc.message) from None

    def fail(self, key: str, problem: str, *, field: str | None = None) -> PlanError:
        """An error naming the plan and its key; `field` when the input was not the plan's
        own key but a figure given beside it (the variable target of a calculation)."""
        return PlanError(f"plan '{self.name}': {key}: {problem}", field=field)

    def _check_tiers(self) -> None:
        if not self.tiers:
            raise self.fail("tiers", "a plan needs at least one tier (e.g. from = 0, rate = 1)")
        first = self.tiers[0]
        if first.start != 0:
            raise self.fail("tiers[0].from", f"is {first.start:g}; the first tier must start at 0%")
        for i, tier in enumerate(self.tiers):
            if tier.rate < 0:
                raise self.fail(f"tiers[{i}].rate", f"is {tier.rate}; a rate cannot be negative")
            if tier.end is not None and tier.end <= tier.start:
                raise self.fail(
                    f"tiers[{i}].to",
                    f"is {tier.end:g}, not above its from ({tier.start:g}): an empty tier",
                )
            if i == 0:
                continue
            before = self.tiers[i - 1]
            if before.end is None:
                raise self.fail(
                    f"tiers[{i - 1}].to",
                    "is missing, so that tier runs to infinity, yet more tiers follow: "
                    "only the last tier may have no end",
                )
            if tier.start > before.end:
                raise self.fail(
                    f"tiers[{i}].from",
                    f"is {tier.start:g}% but tiers[{i - 1}] ends at {before.end:g}%: "
                    f"a gap from {before.end:g}% to {tier.start:g}% pays nothing defined",
                )
            if tier.start < before.end:
                raise self.fail(
                    f"tiers[{i}].from",
                    f"is {tier.start:g}% but tiers[{i - 1}] ends at {before.end:g}%: "
                    f"the tiers overlap from {tier.start:g}% to {before.end:g}%",
                )
        last = self.tiers[-1]
        if last.end is not None:
            raise self.fail(
                f"tiers[{len(self.tiers) - 1}].to",
                f"is {last.end:g}%; the last tier must have no end (it runs to any "
                "attainment): to stop paying, use cap_pct",
            )
        if self.mode is TierMode.FLAT and not self.allow_decreasing:
            for i in range(1, len(self.tiers)):
                if self.tiers[i].rate < self.tiers[i - 1].rate:
                    raise self.fail(
                        f"tiers[{i}].rate",
                        f"is {self.tiers[i].rate}, below tiers[{i - 1}]'s "
                        f"{self.tiers[i - 1].rate}: in a flat plan that makes pay fall as "
                        "bookings grow; set allow_decreasing = true if that is intended",
                    )

    def _check_amounts(self) -> None:
        for key, value in (
            ("base_salary", self.base_salary),
            ("variable_target", self.variable_target),
        ):
            if value is not None and value < 0:
                raise self.fail(key, f"is {value}; it cannot be negative")
        if self.cap_pct is not None and self.cap_pct <= 0:
            raise self.fail("cap_pct", f"is {self.cap_pct}; a cap must be above 0%")
        if self.clawback_days is not None and self.clawback_days < 0:
            raise self.fail("clawback_days", f"is {self.clawback_days}; it cannot be negative")
        if self.draw is not None:
            if self.draw.monthly < 0:
                raise self.fail("draw.monthly", f"is {self.draw.monthly}; it cannot be negative")
            if self.draw.months is not None and self.draw.months < 1:
                raise self.fail("draw.months", f"is {self.draw.months}; give at least 1")

    def tier_at(self, attainment_pct: Fraction) -> int:
        """The index of the tier an attainment falls in (a boundary belongs to the upper)."""
        for i, tier in enumerate(self.tiers):
            if tier.end is None or attainment_pct < Fraction(tier.end):
                return i
        return len(self.tiers) - 1

    def describe(self) -> str:
        bands = "; ".join(f"{t.band} x{t.rate:g} ({t.kind})" for t in self.tiers)
        cap = f", capped at {self.cap_pct:g}% of target" if self.cap_pct else ""
        return f"{self.mode} tiers: {bands}{cap}"

    def pays_at_target(self) -> Fraction:
        """The share of the variable target paid at exactly 100% (1 for an OTE plan)."""
        if self.mode is TierMode.FLAT:
            return Fraction(self.tiers[self.tier_at(Fraction(100))].rate)
        paid = Fraction(0)
        for tier in self.tiers:
            if tier.start >= HUNDRED:
                break
            end = HUNDRED if tier.end is None else min(tier.end, HUNDRED)
            paid += Fraction(end - tier.start) * Fraction(tier.rate) / 100
        return paid
