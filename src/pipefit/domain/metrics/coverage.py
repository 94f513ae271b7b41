"""Pipeline coverage: how many times the open pipeline expected to close in a period covers
the quota still to reach in it.

coverage = open pipeline expected to close in the period (home amounts of open deals whose
expected close falls in it) / (quota of the period - revenue already won in it). Null when
there is no quota, and when the quota is already reached (nothing left to cover).
"""

from __future__ import annotations

__all__ = ["coverage", "quota_remaining"]


def quota_remaining(quota: float | None, won: float) -> float | None:
    if quota is None:
        return None
    return max(quota - won, 0.0)


def coverage(open_pipeline: float, quota: float | None, won: float) -> float | None:
    remaining = quota_remaining(quota, won)
    if not remaining:
        return None
    return open_pipeline / remaining
