"""The clock's rule: pipefit records what happened, so nothing is dated ahead of now.

A move dated next year would freeze its deal (every real move after it "would predate
the last recorded change") and show a negative time in stage. Clocks drift, so a few
minutes ahead are tolerated (`MAX_AHEAD`); anything further is refused. The clock is a
function the services take (`Clock`), so a test can set the time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pipefit.domain.errors import PipefitError

__all__ = ["MAX_AHEAD", "Clock", "refuse_future", "utc_now"]

Clock = Callable[[], datetime]

MAX_AHEAD = timedelta(minutes=5)


def utc_now() -> datetime:
    return datetime.now(UTC)


def refuse_future(at: datetime, now: datetime, *, field: str, what: str) -> None:
    """Refuse `at` when it lies more than MAX_AHEAD after `now`.

    `what` names the record in words ("a move of ACME-RENEWAL-Q3"), `field` the input.
    """
    if at.tzinfo is None:
        raise PipefitError(
            f"{what}: time {at.isoformat()} has no timezone; pipefit keeps UTC", field=field
        )
    if at > now + MAX_AHEAD:
        minutes = int(MAX_AHEAD.total_seconds() // 60)
        raise PipefitError(
            f"{what}: {at:%Y-%m-%d %H:%M} UTC is ahead of the clock "
            f"({now:%Y-%m-%d %H:%M} UTC); pipefit records what has happened, so a time "
            f"may be at most {minutes} minutes ahead",
            field=field,
        )
