"""The stage log as its corrections leave it, and the time a deal spent in each state.

The log is append-only: a wrong event is never rewritten. An admin's correction, logged
beside it, gives the event's true time or voids it; every reader that decides something
(the deal's current stage, "a move may not predate the last recorded change", time in
stage) reads the log through `StageLog`, which applies the corrections in force.

Time in state is never negative. A deal's events are shown in date order; when the log's
order and the dates disagree, or a deal closed before its last recorded change, or a
change is dated after now, the time is counted to the later of the two moments and the
event carries a note that says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pipefit.domain.errors import NotFound
from pipefit.domain.model import StageEvent, StageEventCorrection

__all__ = ["LoggedEvent", "StageLog", "TimedEvent", "moment", "timed_history"]


def moment(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class LoggedEvent:
    """One event as logged, with the correction in force on it (if any)."""

    logged: StageEvent
    correction: StageEventCorrection | None = None

    @property
    def void(self) -> bool:
        return self.correction is not None and self.correction.void

    @property
    def event(self) -> StageEvent:
        """The event at its true time (the corrected one, if a correction gives it)."""
        if self.correction is not None and self.correction.at is not None:
            return replace(self.logged, at=self.correction.at)
        return self.logged


@dataclass(frozen=True)
class StageLog:
    """A deal's stage log (in `seq` order) read through its corrections."""

    entries: tuple[LoggedEvent, ...]
    corrections: tuple[StageEventCorrection, ...] = ()

    @staticmethod
    def of(
        events: Sequence[StageEvent], corrections: Sequence[StageEventCorrection] = ()
    ) -> StageLog:
        ordered = tuple(sorted(corrections, key=lambda c: c.seq))
        in_force = {c.corrects_seq: c for c in ordered}  # the last correction of each wins
        entries = tuple(
            LoggedEvent(e, in_force.get(e.seq)) for e in sorted(events, key=lambda e: e.seq)
        )
        return StageLog(entries, ordered)

    @property
    def live(self) -> list[LoggedEvent]:
        """The events that happened (not voided), in `seq` order."""
        return [e for e in self.entries if not e.void]

    def effective(self) -> list[StageEvent]:
        """The events that happened, at their true times, in date order."""
        return sorted((e.event for e in self.live), key=lambda e: (e.at, e.seq))

    @property
    def latest(self) -> StageEvent | None:
        """The deal's last recorded change, as corrected."""
        effective = self.effective()
        return effective[-1] if effective else None

    @property
    def next_seq(self) -> int:
        """The number of the next event: after every logged one, voided ones included."""
        return max((e.logged.seq for e in self.entries), default=0) + 1

    @property
    def next_correction_seq(self) -> int:
        return max((c.seq for c in self.corrections), default=0) + 1

    def entry(self, opportunity_id: str, seq: int) -> LoggedEvent:
        for entry in self.entries:
            if entry.logged.seq == seq:
                return entry
        numbers = [e.logged.seq for e in self.entries]
        span = f"{numbers[0]} to {numbers[-1]}" if numbers else "none"
        raise NotFound(
            f"{opportunity_id}'s stage log has no event {seq}; its events are numbered {span}",
            field="correction.event",
        )


@dataclass(frozen=True)
class TimedEvent:
    """An event at its true time with the time spent in the state it entered.

    `time_in_state` is None for a voided event (it never happened). `logged_at` is the
    time first logged when a correction moved it; `notes` explain an order problem.
    """

    event: StageEvent
    time_in_state: timedelta | None
    still_there: bool = False
    notes: tuple[str, ...] = ()
    correction: StageEventCorrection | None = None
    logged_at: datetime | None = None

    @property
    def void(self) -> bool:
        return self.correction is not None and self.correction.void


def _order_notes(live: list[LoggedEvent]) -> dict[int, list[str]]:
    """Events dated before an event logged ahead of them (the log's order and the dates
    disagree): each gets a note; the history shows them in date order."""
    notes: dict[int, list[str]] = {}
    ahead: StageEvent | None = None  # the latest-dated event logged so far
    for entry in live:
        event = entry.event
        if ahead is not None and event.at < ahead.at:
            notes.setdefault(event.seq, []).append(
                f"dated {moment(event.at)}, before event {ahead.seq} ({moment(ahead.at)}) "
                "that was logged ahead of it; shown in date order"
            )
        if ahead is None or event.at >= ahead.at:
            ahead = event
    return notes


def timed_history(
    events: Sequence[StageEvent],
    now: datetime,
    corrections: Sequence[StageEventCorrection] = (),
    *,
    closed_at: datetime | None = None,
) -> list[TimedEvent]:
    """Each change with the time spent in the state it entered (until the next change).

    The last state runs until `closed_at` for a closed deal, until `now` otherwise; when
    that moment falls before the last change, the time is counted to the later of the
    two (zero) and a note says why. Voided events are listed with no time.
    """
    log = StageLog.of(events, corrections)
    notes = _order_notes(log.live)
    ordered = log.effective()
    end = closed_at if closed_at is not None else now
    spent: dict[int, timedelta] = {}
    for i, event in enumerate(ordered):
        if i + 1 < len(ordered):
            spent[event.seq] = ordered[i + 1].at - event.at
            continue
        if end < event.at:
            said = (
                f"the deal closed {moment(end)}, before this change ({moment(event.at)})"
                if closed_at is not None
                else f"dated after now ({moment(end)})"
            )
            notes.setdefault(event.seq, []).append(
                f"{said}: time in {event.to_stage} is counted to the later of the two, 0"
            )
        spent[event.seq] = max(end, event.at) - event.at
    last = ordered[-1].seq if ordered else None
    timeline = [
        TimedEvent(
            event=entry.event,
            time_in_state=spent.get(entry.logged.seq),
            still_there=entry.logged.seq == last and not entry.void,
            notes=tuple(notes.get(entry.logged.seq, ())),
            correction=entry.correction,
            logged_at=entry.logged.at if entry.event.at != entry.logged.at else None,
        )
        for entry in log.entries
    ]
    return sorted(timeline, key=lambda t: (t.event.at, t.event.seq))
