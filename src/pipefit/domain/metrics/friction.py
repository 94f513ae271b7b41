"""Friction in a pipeline: the rules of the friction report, as pure functions (the oracle).

- **long**: a stage whose median completed visit is over LONG_RATIO times the median of
  its pipeline's stage medians (two stages or more).
- **slower**: a stage whose median in a period is over SLOWER_RATIO times its median in the
  period before (MIN_COMPARED completed visits or more in each).
- **two humps** (a split suggestion): the stage's durations look like two steps. On log
  durations x = ln(days + 1 minute), the best two-group split (the threshold whose two
  groups, each a normal with its own mean, spread and share, fit best) is compared with
  one normal by BIC (Schwarz: k ln n - 2 log-likelihood, 2 parameters for one normal, 5
  for two). The split is suggested when two fit better by more than SPLIT_BIC (very strong
  evidence on Kass and Raftery's scale), with MIN_SPLIT_VISITS visits or more and
  MIN_HUMP_SHARE of them or more in each hump. The evidence printed: where it splits, each
  hump's median and share, and the BIC difference. (A hard split rather than a mixture
  fitted by EM: the same test with a threshold anyone can read.)
- **wide**: not two humps, but the standard deviation of log durations is over WIDE_SD
  (p90 over p10 beyond about 13 times for a lognormal).
- **minutes**: a stage whose median completed visit is under an hour (a stage nobody
  works).
- **skipped**: of the deals that got past a stage (reached a later open stage or won),
  SKIP_SHARE or more never visited it.
- **stalled** ("rotting"): a deal in a stage now for longer than the stage's p90 of
  completed visits (MIN_STALL_VISITS completed visits or more behind the p90).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipefit.domain.metrics.visits import percentile
from pipefit.domain.periods import Period

__all__ = [
    "Split",
    "is_long",
    "log_days",
    "previous_period",
    "split_evidence",
    "two_humps",
]

MINUTE_DAYS = 1 / 1440
LONG_RATIO = 2.0
SLOWER_RATIO = 1.5
MIN_COMPARED = 5
MINUTES_DAYS = 1 / 24
SKIP_SHARE = 0.5
MIN_SPLIT_VISITS = 20
MIN_HUMP_SHARE = 0.1
SPLIT_BIC = 10.0
WIDE_SD = 1.0
VAR_FLOOR = 0.01  # of log days: a tenth of a duration, so equal durations stay finite
MIN_STALL_VISITS = 5


def log_days(days: float) -> float:
    """ln(days + 1 minute): a zero-length visit stays finite."""
    return math.log(days + MINUTE_DAYS)


def _normal_loglik(n: int, total: float, squares: float) -> float:
    """Maximised log-likelihood of n values under one normal (variance floored)."""
    mean = total / n
    var = max(squares / n - mean * mean, VAR_FLOOR)
    return -n / 2 * (math.log(2 * math.pi * var) + 1)


def two_group_loglik(n: int, k: int, s1: float, q1: float, s: float, q: float) -> float:
    """Log-likelihood of a split of n log durations: the k lowest (sum s1, sum of squares
    q1) and the rest, each a normal, with shares k/n and (n - k)/n."""
    m = n - k
    return (
        _normal_loglik(k, s1, q1)
        + _normal_loglik(m, s - s1, q - q1)
        + k * math.log(k / n)
        + m * math.log(m / n)
    )


def split_evidence(n: int, k: int, s1: float, q1: float, s: float, q: float) -> float:
    """BIC(one normal) - BIC(two groups): positive when two humps fit better."""
    one = 2 * math.log(n) - 2 * _normal_loglik(n, s, q)
    two = 5 * math.log(n) - 2 * two_group_loglik(n, k, s1, q1, s, q)
    return one - two


@dataclass(frozen=True)
class Split:
    at_days: float  # the threshold between the humps (geometric midpoint)
    low_median_days: float
    low_share: float
    high_median_days: float
    high_share: float
    delta_bic: float
    suggested: bool


def two_humps(days: Sequence[float]) -> Split | None:
    """The best two-group split of a stage's durations and whether it is suggested; None
    with fewer than MIN_SPLIT_VISITS visits or no split leaving enough in each hump."""
    n = len(days)
    if n < MIN_SPLIT_VISITS:
        return None
    ds = sorted(days)
    xs = [log_days(d) for d in ds]
    s, q = sum(xs), sum(x * x for x in xs)
    least = math.ceil(MIN_HUMP_SHARE * n)
    best: tuple[float, int] | None = None
    s1 = q1 = 0.0
    for k in range(1, n):
        s1 += xs[k - 1]
        q1 += xs[k - 1] ** 2
        if k < least or n - k < least or xs[k] <= xs[k - 1]:
            continue
        score = two_group_loglik(n, k, s1, q1, s, q)
        if best is None or score > best[0]:
            best = (score, k)
    if best is None:
        return None
    k = best[1]
    low = xs[:k]
    delta = split_evidence(n, k, sum(low), sum(x * x for x in low), s, q)
    return Split(
        at_days=math.exp((xs[k - 1] + xs[k]) / 2) - MINUTE_DAYS,
        low_median_days=percentile(ds[:k], 0.5) or 0.0,
        low_share=k / n,
        high_median_days=percentile(ds[k:], 0.5) or 0.0,
        high_share=(n - k) / n,
        delta_bic=delta,
        suggested=delta > SPLIT_BIC,
    )


def log_sd(days: Sequence[float]) -> float | None:
    """Population standard deviation of ln(days + 1 minute); None for no visits."""
    if not days:
        return None
    xs = [log_days(d) for d in days]
    mean = sum(xs) / len(xs)
    return math.sqrt(max(sum(x * x for x in xs) / len(xs) - mean * mean, 0.0))


def is_long(medians: Mapping[str, float]) -> dict[str, float]:
    """Stage -> its median over the pipeline's typical stage median, for the long ones."""
    if len(medians) < 2:
        return {}
    typical = percentile(list(medians.values()), 0.5)
    if not typical:
        return {}
    return {s: m / typical for s, m in medians.items() if m > LONG_RATIO * typical}


def previous_period(period: Period) -> Period:
    """The period of the same kind just before."""
    if period.kind == "year":
        return Period(period.year - 1, "year")
    count = 4 if period.kind == "quarter" else 12
    if period.index == 1:
        return Period(period.year - 1, period.kind, count)
    return Period(period.year, period.kind, period.index - 1)
