"""Business time: deals move on working days, between 08:00 and 18:00 UTC.

The generator reasons in *business days* (a float: whole part = working day counted from
the Monday on or before `start`, fraction = share of the 10-hour working day). The map to
wall-clock seconds is strictly increasing, so anything ordered in business time stays
ordered in the files, and no meeting lands on a Saturday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from pipefit.sample.columns import Floats, Ints

__all__ = ["Clock", "make_clock"]

_EPOCH = date(1970, 1, 1)
_DAY_START = 8 * 3600
_WORKING_SECONDS = 10 * 3600


def _business_index(day: date, anchor: date) -> int:
    """Working days from `anchor` (a Monday) to the start of `day`."""
    offset = (day - anchor).days
    weeks, weekday = divmod(offset, 7)
    return weeks * 5 + min(weekday, 5)


def _two_years_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 2, day=28)


@dataclass(frozen=True)
class Clock:
    start: date
    now: date
    anchor_day: int  # epoch day of the Monday on or before start
    start_bd: float
    now_bd: float

    @property
    def now_seconds(self) -> int:
        """The generation's "now" (midnight UTC, two years after start) as epoch seconds."""
        return (self.now - _EPOCH).days * 86400

    def seconds(self, business_days: Floats) -> Ints:
        """Epoch seconds of business-day instants."""
        whole = np.floor(business_days)
        calendar = (whole // 5) * 7 + whole % 5
        within = np.floor((business_days - whole) * _WORKING_SECONDS)
        seconds = (self.anchor_day + calendar) * 86400 + _DAY_START + within
        return np.asarray(seconds, np.int64)

    def epoch_days(self, business_days: Floats) -> Ints:
        return np.asarray(self.seconds(business_days) // 86400, np.int64)


def make_clock(start: date) -> Clock:
    anchor = date.fromordinal(start.toordinal() - start.weekday())
    now = _two_years_after(start)
    return Clock(
        start=start,
        now=now,
        anchor_day=(anchor - _EPOCH).days,
        start_bd=float(_business_index(start, anchor)),
        now_bd=float(_business_index(now, anchor)),
    )
