"""Win rates and their honest intervals.

Win rate = won / (won + lost): open deals are not decided yet. Stalled open deals are
counted apart; `win_rate_counting_stalled` treats them as lost (DOMAIN 3: "won vs open,
lost or stalled"). The Wilson score interval (95%) says how sure a rate is: few deals, wide
interval. Two rates differ with evidence only when their intervals do not overlap.
"""

from __future__ import annotations

import math

__all__ = ["Z95", "compare", "wilson_interval", "win_rate", "win_rate_counting_stalled"]

Z95 = 1.959963984540054  # the two-sided 95% normal quantile
BETTER, WORSE, NO_EVIDENCE = "better", "worse", "no evidence"


def win_rate(won: int, lost: int) -> float | None:
    decided = won + lost
    return won / decided if decided else None


def win_rate_counting_stalled(won: int, lost: int, stalled: int) -> float | None:
    total = won + lost + stalled
    return won / total if total else None


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of successes / trials (None when there are no trials)."""
    if trials <= 0:
        return None
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    scale = 1 + z2 / trials
    return ((centre - spread) / scale, (centre + spread) / scale)


def compare(interval: tuple[float, float] | None, *others: tuple[float, float] | None) -> str:
    """'better' when the interval lies wholly above every other one, 'worse' when wholly
    below every other one, else 'no evidence' (also when any interval is missing)."""
    if interval is None or not others or any(o is None for o in others):
        return NO_EVIDENCE
    known = [o for o in others if o is not None]
    if all(interval[0] > o[1] for o in known):
        return BETTER
    if all(interval[1] < o[0] for o in known):
        return WORSE
    return NO_EVIDENCE
