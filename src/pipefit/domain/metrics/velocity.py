"""Sales velocity: how much won revenue the open pipeline yields per day.

velocity per day = open deals x win rate x average won amount / average cycle days (of won
deals); per month = per day x 30.4375 (the mean month of the Gregorian calendar). Null when
any factor is unknown or the average cycle is zero.
"""

from __future__ import annotations

__all__ = ["DAYS_PER_MONTH", "sales_velocity"]

DAYS_PER_MONTH = 30.4375


def sales_velocity(
    open_deals: int,
    win_rate: float | None,
    average_won_amount: float | None,
    average_cycle_days: float | None,
) -> float | None:
    if win_rate is None or average_won_amount is None or not average_cycle_days:
        return None
    return open_deals * win_rate * average_won_amount / average_cycle_days
