"""Order statistics as the report SQL computes them (`percentile_cont`: linear
interpolation between the closest ranks)."""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["mean", "percentile_cont"]


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
