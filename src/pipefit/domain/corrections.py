"""Correcting a wrong move: an admin's record beside the append-only stage log.

A move dated 2099 by mistake, or a move that never happened, is not rewritten or
deleted (the database refuses both). An admin logs a correction that gives the event's
true time or voids it, with who, when and why; the deal's current stage and the rule
"a move may not predate the last recorded change" then read the corrected log, so a
deal frozen by a date in the future can move again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from pipefit.domain.clock import refuse_future
from pipefit.domain.errors import PipefitError
from pipefit.domain.model import (
    Category,
    Opportunity,
    Role,
    StageEvent,
    StageEventCorrection,
    clean_id,
)
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.stage_log import StageLog, moment

__all__ = ["Correction", "check_corrector", "decide_correction"]


@dataclass(frozen=True)
class Correction:
    """The outcome of an accepted correction: the deal as it now is, the record to log
    and the event it corrects (as logged)."""

    opportunity: Opportunity
    record: StageEventCorrection
    corrected: StageEvent

    @property
    def kind(self) -> str:
        return "void" if self.record.void else "time"


def check_corrector(actor_id: str | None, role: str | None, *, people_known: bool) -> str:
    """Who corrects the log: someone named; an admin, when the workspace knows its people."""
    if actor_id is None:
        raise PipefitError(
            "a correction of the stage log says who makes it (a person id)",
            field="correction.actor",
        )
    actor = clean_id(actor_id, field="correction.actor", what="who makes the correction")
    if people_known and role is None:
        raise PipefitError(
            f"no person '{actor}' in this workspace; a correction is made by an admin",
            field="correction.actor",
        )
    if role is not None and role != Role.ADMIN:
        raise PipefitError(
            f"{actor} is a {role.replace('_', ' ')}; only an admin corrects the stage log",
            field="correction.actor",
        )
    return actor


def _neighbours(log: StageLog, seq: int) -> tuple[StageEvent | None, StageEvent | None]:
    live = log.live
    before = [e.event for e in live if e.logged.seq < seq]
    after = [e.event for e in live if e.logged.seq > seq]
    return (before[-1] if before else None, after[0] if after else None)


def _check_time(opportunity_id: str, log: StageLog, seq: int, at: datetime, now: datetime) -> None:
    refuse_future(
        at, now, field="correction.at", what=f"the true time of {opportunity_id}'s event {seq}"
    )
    current = log.entry(opportunity_id, seq).event
    if at == current.at:
        raise PipefitError(
            f"{opportunity_id}'s event {seq} is already at {moment(at)}", field="correction.at"
        )
    previous, following = _neighbours(log, seq)
    if previous is not None and at < previous.at:
        raise PipefitError(
            f"{opportunity_id}'s event {seq} would then come before event {previous.seq} "
            f"({previous.to_stage}, {moment(previous.at)}), logged ahead of it; give a time "
            "after it, or correct that event first",
            field="correction.at",
        )
    if following is not None and at > following.at:
        raise PipefitError(
            f"{opportunity_id}'s event {seq} would then come after event {following.seq} "
            f"({following.to_stage}, {moment(following.at)}), logged after it; give a time "
            "before it, or correct that event first",
            field="correction.at",
        )


def _state_after(
    pipeline: Pipeline, opportunity: Opportunity, latest: StageEvent, *, stage_changed: bool
) -> Opportunity:
    """The deal as its corrected log's last change leaves it."""
    stage = pipeline.stage(latest.to_stage)
    closed = stage.category is not Category.OPEN
    if not stage_changed:  # the last change keeps its stage and moves in time
        return replace(opportunity, closed_at=latest.at if closed else opportunity.closed_at)
    return replace(
        opportunity,
        stage=stage.name,
        substate=latest.substate,
        outcome=stage.category,
        closed_at=latest.at if closed else None,
        loss_reason=latest.reason if stage.category is Category.LOST else None,
    )


def decide_correction(
    pipeline: Pipeline,
    opportunity: Opportunity,
    log: StageLog,
    *,
    seq: int,
    reason: str | None,
    at: datetime | None,
    void: bool,
    actor_id: str,
    now: datetime,
) -> Correction:
    """Check a correction of event `seq` and return what it changes.

    It needs a reason and exactly one of a true time (`at`, not ahead of the clock, and
    between the events logged before and after it) or `void`. A voided event cannot be
    corrected again, and a deal's first event (its entry into the pipeline) can be moved
    in time but not voided.
    """
    oid = opportunity.opportunity_id
    if not (reason and reason.strip()):
        raise PipefitError(
            "a correction of the stage log needs a reason (it is kept with it)",
            field="correction.reason",
        )
    if void and at is not None:
        raise PipefitError(
            "a correction gives the event's true time or voids it, not both",
            field="correction.void",
        )
    if not void and at is None:
        raise PipefitError(
            "a correction gives the event's true time, or voids the event",
            field="correction.at",
        )
    entry = log.entry(oid, seq)
    if entry.void and entry.correction is not None:
        raise PipefitError(
            f"{oid}'s event {seq} was voided on {moment(entry.correction.recorded_at)} "
            f"({entry.correction.reason}); there is nothing left to correct",
            field="correction.event",
        )
    if void and log.live[0].logged.seq == seq:
        raise PipefitError(
            f"{oid}'s event {seq} is its entry into the pipeline and cannot be voided; "
            "correct its time instead",
            field="correction.event",
        )
    if at is not None:
        _check_time(oid, log, seq, at, now)
    record = StageEventCorrection(
        opportunity_id=oid,
        seq=log.next_correction_seq,
        corrects_seq=seq,
        recorded_at=now,
        reason=reason.strip(),
        at=at,
        void=void,
        actor_id=actor_id,
    )
    before = log.latest
    after = StageLog.of([e.logged for e in log.entries], [*log.corrections, record]).latest
    updated = replace(opportunity, version=opportunity.version + 1)
    if after is not None and (before is None or after.seq != before.seq or after.seq == seq):
        stage_changed = before is None or after.seq != before.seq
        updated = _state_after(pipeline, updated, after, stage_changed=stage_changed)
    return Correction(opportunity=updated, record=record, corrected=entry.logged)
