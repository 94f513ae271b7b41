"""Buying signals (DOMAIN section 3), as pure functions (the oracle of the signals report).

Enterprise deals show *progression*: meetings -> demos -> technical discussion ->
procurement -> purchase order. A deal's furthest step is the latest of these it has an
activity for (0: none); it *dropped out* at that step when it was lost there.

SMB deals show *behaviour*: a return visit to the site, the pricing page, a colleague
added to the trial, the product used. A signal *preceded* a close when its first activity
came at or before the deal was won or lost. Its lift is the win rate (won / (won + lost))
of closed deals with the signal minus that of closed deals without it, with Newcombe's
hybrid Wilson-score interval for a difference of two proportions (95%).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "STEPS",
    "STEP_KINDS",
    "USAGE",
    "Lift",
    "furthest_step",
    "lift",
    "progression",
    "wilson",
]

STEPS = ("meetings", "demos", "technical_discussion", "procurement", "purchase_order")
# Activity kinds -> the progression step (1-based) they show.
STEP_KINDS: Mapping[str, int] = {
    "meeting_booked": 1,
    "meeting_accepted": 1,
    "demo_held": 2,
    "technical_discussion": 3,
    "procurement_started": 4,
    "purchase_order": 5,
}
# Usage signals -> the activity kind that records them.
USAGE: Mapping[str, str] = {
    "return_visit": "site_visit",
    "pricing_page": "pricing_page_viewed",
    "colleague_added": "trial_user_added",
    "product_used": "product_used",
}
Z95 = 1.959963984540054


def furthest_step(kinds: Iterable[str]) -> int:
    return max((STEP_KINDS.get(k, 0) for k in kinds), default=0)


@dataclass(frozen=True)
class StepCount:
    reached: int  # deals whose furthest step is this one or later
    dropped_out: int  # lost with this as their furthest step
    still_open: int  # open with this as their furthest step
    won: int  # won with this as their furthest step


def progression(deals: Iterable[tuple[int, str]]) -> dict[int, StepCount]:
    """(furthest step, outcome) per deal -> counts per step 0..len(STEPS)."""
    listed = list(deals)
    return {
        step: StepCount(
            reached=sum(1 for f, _ in listed if f >= step),
            dropped_out=sum(1 for f, o in listed if f == step and o == "lost"),
            still_open=sum(1 for f, o in listed if f == step and o == "open"),
            won=sum(1 for f, o in listed if f == step and o == "won"),
        )
        for step in range(len(STEPS) + 1)
    }


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval for k successes out of n; None when n is 0."""
    if n == 0:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Lift:
    rate_with: float | None
    rate_without: float | None
    difference: float | None  # rate_with - rate_without
    low: float | None
    high: float | None


def lift(won_with: int, deals_with: int, won_without: int, deals_without: int) -> Lift:
    """The win rate with a signal minus without it, with Newcombe's interval (method 10)."""
    a, b = wilson(won_with, deals_with), wilson(won_without, deals_without)
    p1 = won_with / deals_with if deals_with else None
    p2 = won_without / deals_without if deals_without else None
    if a is None or b is None or p1 is None or p2 is None:
        return Lift(p1, p2, None, None, None)
    d = p1 - p2
    low = d - math.sqrt((p1 - a[0]) ** 2 + (b[1] - p2) ** 2)
    high = d + math.sqrt((a[1] - p1) ** 2 + (p2 - b[0]) ** 2)
    return Lift(p1, p2, d, low, high)
