"""A forecast's track record over past periods: WAPE, bias and the share of periods
forecast within +/-10% (the oracle of the forecast-backtest report).

- WAPE (weighted absolute percentage error) = sum |forecast - actual| / sum actual;
- bias = sum (forecast - actual) / sum actual (positive: forecasts ran high);
- within 10% = the share of periods with |forecast - actual| <= 10% of actual (a period
  that closed nothing is within only if nothing was forecast).

Each is None when it has no denominator (no periods, or nothing closed in any of them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["TOLERANCE", "Track", "bias", "track", "wape", "within"]

TOLERANCE = 0.10


@dataclass(frozen=True)
class Track:
    periods: int
    forecast: float
    actual: float
    wape: float | None
    bias: float | None
    within_10: float | None


def wape(forecasts: Sequence[float], actuals: Sequence[float]) -> float | None:
    total = sum(actuals)
    if total == 0:
        return None
    return sum(abs(f - a) for f, a in zip(forecasts, actuals, strict=True)) / total


def bias(forecasts: Sequence[float], actuals: Sequence[float]) -> float | None:
    total = sum(actuals)
    if total == 0:
        return None
    return (sum(forecasts) - total) / total


def within(forecasts: Sequence[float], actuals: Sequence[float]) -> float | None:
    if not actuals:
        return None
    hits = sum(
        1
        for f, a in zip(forecasts, actuals, strict=True)
        if abs(f - a) <= TOLERANCE * abs(a) + 1e-9
    )
    return hits / len(actuals)


def track(forecasts: Sequence[float], actuals: Sequence[float]) -> Track:
    return Track(
        periods=len(actuals),
        forecast=sum(forecasts),
        actual=sum(actuals),
        wape=wape(forecasts, actuals),
        bias=bias(forecasts, actuals),
        within_10=within(forecasts, actuals),
    )
