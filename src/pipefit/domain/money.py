"""Exact money: a named rounding rule, and allocation of a total into parts that add up.

Pay is computed exactly (Decimal, or Fraction where a division cannot terminate) and
rounded once per statement line by the rule; a total is the sum of its rounded lines, so a
statement always adds up to the cent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
)
from fractions import Fraction

from pipefit.domain.errors import ConfigError

__all__ = [
    "ROUNDING_MODES",
    "WIDE",
    "ZERO",
    "RoundingRule",
    "allocate",
    "exact",
    "percent",
    "plain",
]

ZERO = Decimal(0)
# Enough digits for any product of money and rates: quantize never rounds inexactly
# before the step it is asked for (the default context's 28 digits would, for 10^20).
WIDE = Context(prec=60)

# name -> (decimal module constant, how a person reads it)
ROUNDING_MODES: dict[str, tuple[str, str]] = {
    "half_even": (ROUND_HALF_EVEN, "half to even (banker's rounding)"),
    "half_up": (ROUND_HALF_UP, "half away from zero"),
    "down": (ROUND_DOWN, "toward zero (truncate)"),
    "up": (ROUND_UP, "away from zero"),
    "floor": (ROUND_FLOOR, "toward minus infinity"),
    "ceiling": (ROUND_CEILING, "toward plus infinity"),
}


def exact(value: Decimal | Fraction | int) -> Fraction:
    """Any amount as an exact fraction (Decimal converts without loss)."""
    # type() rather than isinstance(): Fraction's ABC makes isinstance slow, and this
    # runs for every line of every statement.
    return value if type(value) is Fraction else Fraction(value)


def plain(value: Decimal) -> str:
    """A number as people write it: 11.9100 -> '11.91', 5E+1 -> '50'."""
    return format(value.normalize(), "f")


def percent(share: Decimal) -> str:
    """0.05 -> '5%', 0.125 -> '12.5%' (no trailing zeros)."""
    text = format((share * 100).normalize(), "f")
    return f"{text}%"


def _round_units(floor: int, rest: int, bottom: int, negative: bool, mode: str) -> int:
    """Round floor + rest/bottom (0 <= rest < bottom) to an integer by a decimal mode."""
    if rest == 0:
        return floor
    ceil = floor + 1
    if mode == ROUND_FLOOR:
        return floor
    if mode == ROUND_CEILING:
        return ceil
    if mode == ROUND_DOWN:
        return ceil if negative else floor
    if mode == ROUND_UP:
        return floor if negative else ceil
    twice = 2 * rest
    if twice != bottom:
        return floor if twice < bottom else ceil
    if mode == ROUND_HALF_UP:
        return floor if negative else ceil
    return floor if floor % 2 == 0 else ceil  # half to even


def _round_fraction(q: Fraction, mode: str) -> int:
    """Round a fraction to an integer by a decimal-module mode, exactly."""
    floor = math.floor(q)
    rest = q - floor
    if rest == 0:
        return floor
    ceil = floor + 1
    if mode == ROUND_FLOOR:
        return floor
    if mode == ROUND_CEILING:
        return ceil
    if mode == ROUND_DOWN:
        return floor if q > 0 else ceil
    if mode == ROUND_UP:
        return ceil if q > 0 else floor
    half = Fraction(1, 2)
    if rest != half:
        return floor if rest < half else ceil
    if mode == ROUND_HALF_UP:
        return ceil if q > 0 else floor
    return floor if floor % 2 == 0 else ceil  # half to even


@dataclass(frozen=True)
class RoundingRule:
    """How every money line is rounded: to `step` (0.01 = cents) by `mode`."""

    step: Decimal = Decimal("0.01")
    mode: str = "half_even"
    _decimal_step: bool = field(default=False, init=False, repr=False, compare=False)
    _constant: str = field(default=ROUND_HALF_EVEN, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        exponent = self.step.normalize().as_tuple().exponent
        power = isinstance(exponent, int) and exponent <= 0
        power = power and self.step == Decimal(1).scaleb(int(exponent))
        object.__setattr__(self, "_decimal_step", power)
        if self.mode not in ROUNDING_MODES:
            known = ", ".join(ROUNDING_MODES)
            raise ConfigError(f"compensation.rounding: '{self.mode}' is not one of {known}")
        object.__setattr__(self, "_constant", ROUNDING_MODES[self.mode][0])
        if self.step <= 0:
            raise ConfigError(f"compensation.rounding_step must be positive, got {self.step}")

    def __call__(self, value: Decimal | Fraction | int) -> Decimal:
        if self._decimal_step and type(value) is Decimal:
            # A step of 1, 0.1, 0.01...: Decimal's own quantize is exact and fast (this
            # runs for every credit line of a company's year).
            return value.quantize(self.step, rounding=self._constant, context=WIDE)
        if self._decimal_step and isinstance(value, int):
            return Decimal(value).quantize(self.step, rounding=self._constant, context=WIDE)
        return _round_fraction(exact(value) / exact(self.step), self._constant) * self.step

    def ratio(self, numerator: int, denominator: int) -> Decimal:
        """numerator / denominator, rounded by the rule, in integer arithmetic (exact, and
        several times faster than building a Fraction for every statement line)."""
        step_num, step_den = self.step.as_integer_ratio()
        if denominator < 0:
            numerator, denominator = -numerator, -denominator
        top, bottom = numerator * step_den, denominator * step_num
        floor, rest = divmod(top, bottom)
        return _round_units(floor, rest, bottom, top < 0, self._constant) * self.step

    def of(self, value: Decimal, denominator: Decimal) -> Decimal:
        """value / denominator for decimals, rounded by the rule, exactly."""
        n1, d1 = value.as_integer_ratio()
        n2, d2 = denominator.as_integer_ratio()
        return self.ratio(n1 * d2, d1 * n2)

    def describe(self) -> str:
        return (
            f"each line rounded to {self.step} {ROUNDING_MODES[self.mode][1]}; "
            "totals are sums of rounded lines"
        )


def allocate(
    total: Decimal, weights: Sequence[Fraction | Decimal | int], rule: RoundingRule
) -> list[Decimal]:
    """Split `total` in proportion to `weights` into parts that add up to it exactly.

    Largest remainder method: each part is rounded down to the step, and the steps left
    over go to the parts with the largest remainders (the earliest on a tie), so the
    parts never drift from the total by a cent.
    """
    if not weights:
        return []
    if all(type(w) is int for w in weights) and total >= 0:
        return _allocate_ints(total, [int(w) for w in weights], rule)
    fractions = [exact(w) for w in weights]
    whole = sum(fractions, Fraction(0))
    step = exact(rule.step)
    units_total = _round_fraction(exact(total) / step, ROUND_HALF_EVEN)
    if whole == 0:
        return [ZERO for _ in weights]
    shares = [units_total * w / whole for w in fractions]
    floors = [math.floor(s) for s in shares]
    left = units_total - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(u) * rule.step for u in floors]


def _allocate_ints(total: Decimal, weights: list[int], rule: RoundingRule) -> list[Decimal]:
    """`allocate` for whole-number weights (equal shares), in integer arithmetic."""
    units_total = _round_fraction(exact(total) / exact(rule.step), ROUND_HALF_EVEN)
    whole = sum(weights)
    if whole == 0:
        return [ZERO for _ in weights]
    floors, remainders = [], []
    for w in weights:
        q, r = divmod(units_total * w, whole)
        floors.append(q)
        remainders.append(r)
    left = units_total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(u) * rule.step for u in floors]
