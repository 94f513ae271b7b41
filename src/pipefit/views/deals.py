"""What deal commands show: a pipeline's stages, a list of deals, a move, a correction,
a deal's history and evidence."""

from __future__ import annotations

from typing import Any

from pipefit.domain.corrections import Correction
from pipefit.domain.model import Category, StageEventCorrection
from pipefit.domain.pipeline import Move, Pipeline, describe_requirements
from pipefit.domain.stage_log import TimedEvent
from pipefit.services.deals import DealHistory, DealList
from pipefit.views.shapes import Column, Kind, Table, View

__all__ = [
    "activities_view",
    "correction_view",
    "history_view",
    "move_view",
    "opportunities_view",
    "pipeline_view",
]


def pipeline_view(pipeline: Pipeline) -> View:
    """The stages of a pipeline with their entry triggers, exit criteria and sub-states."""
    rows = [
        {
            "stage": s.name,
            "category": str(s.category),
            "entry trigger": describe_requirements(s.entry),
            "exit criterion": describe_requirements(s.exit),
            "sub-states": ", ".join(s.substates),
        }
        for s in pipeline.stages
    ]
    columns = ("stage", "category", "entry trigger", "exit criterion", "sub-states")
    table = Table(
        tuple(Column(c) for c in columns),
        rows,
        title=f"Pipeline '{pipeline.name}' ({pipeline.origin})",
        name="stages",
    )
    return View(tables=[table], document=table.plain_rows())


OPPORTUNITY_COLUMNS = (
    Column("id"),
    Column("name"),
    Column("pipeline"),
    Column("stage"),
    Column("sub-state"),
    Column("outcome"),
    Column("amount", Kind.MONEY),
    Column("currency"),
    Column("owner"),
    Column("presales"),
    Column("account"),
    Column("created", Kind.TIME),
    Column("closed", Kind.TIME),
)


def opportunities_view(found: DealList) -> View:
    """Deals in id order, one row each; scripts get the same rows with plain values."""
    rows = [
        {
            "id": o.opportunity_id,
            "name": o.name,
            "pipeline": o.pipeline,
            "stage": o.stage,
            "sub-state": o.substate,
            "outcome": str(o.outcome),
            "amount": o.amount,
            "currency": o.currency,
            "owner": o.owner_id,
            "presales": o.presales_id,
            "account": o.account_id,
            "created": o.created_at,
            "closed": o.closed_at,
        }
        for o in found.opportunities
    ]
    where = "".join(
        part
        for part in (
            f" in {found.stage}" if found.stage else "",
            f" owned by {found.owner}" if found.owner else "",
        )
    )
    count = len(rows)
    title = f"{count} opportunit{'y' if count == 1 else 'ies'}{where}"
    table = Table(OPPORTUNITY_COLUMNS, rows, title=title, name="opportunities")
    return View(tables=[table], document=table.plain_rows())


def move_view(opportunity_id: str, move: Move) -> View:
    """One line for people; the event itself for scripts."""
    e = move.event
    target = e.to_stage + (f" / {e.substate}" if e.substate else "")
    line = (
        f"{opportunity_id}: {e.from_stage} -> {target} ({move.kind}) at {e.at:%Y-%m-%d %H:%M} UTC"
    )
    document = {"opportunity": opportunity_id, "kind": move.kind, "event": e.__dict__}
    return View(title=line, document=document)


def _correction_text(c: StageEventCorrection) -> str:
    said = "void" if c.void else f"time corrected to {c.at:%Y-%m-%d %H:%M}" if c.at else ""
    return f"{said} by {c.actor_id or 'unknown'} on {c.recorded_at:%Y-%m-%d}: {c.reason}"


def correction_view(correction: Correction) -> View:
    """One line for people; the correction and the deal's new state for scripts."""
    c, e, o = correction.record, correction.corrected, correction.opportunity
    what = (
        "voided"
        if c.void
        else f"moved from {e.at:%Y-%m-%d %H:%M} to {c.at:%Y-%m-%d %H:%M} UTC"
        if c.at
        else ""
    )
    where = o.stage + (f" / {o.substate}" if o.substate else "")
    change = f"{e.from_stage} -> {e.to_stage}" if e.from_stage else f"entry into {e.to_stage}"
    line = (
        f"{o.opportunity_id}: event {e.seq} ({change}) {what}; "
        f"correction {c.seq} by {c.actor_id}; the deal is in {where} ({o.outcome})"
    )
    document = {
        "opportunity": o.opportunity_id,
        "kind": correction.kind,
        "correction": c.__dict__,
        "event": e.__dict__,
        "stage": o.stage,
        "substate": o.substate,
        "outcome": str(o.outcome),
    }
    return View(title=line, document=document)


HISTORY_COLUMNS = (
    Column("seq", Kind.INT),
    Column("at", Kind.TIME),
    Column("from"),
    Column("to"),
    Column("sub-state"),
    Column("actor"),
    Column("source"),
    Column("reason"),
    Column("time_in_state", Kind.DURATION),
    Column("so_far", title="so far"),
    Column("correction"),
)


def _history_row(t: TimedEvent, still_open: bool) -> dict[str, Any]:
    return {
        "seq": t.event.seq,
        "at": t.event.at,
        "from": t.event.from_stage,
        "to": t.event.to_stage,
        "sub-state": t.event.substate,
        "actor": t.event.actor_id,
        "source": t.event.source,
        "reason": t.event.reason,
        "time_in_state": t.time_in_state,
        "so_far": True if t.still_there and still_open else None,
        "correction": None if t.correction is None else _correction_text(t.correction),
    }


def history_view(history: DealHistory) -> View:
    """Every stage and sub-state change of a deal, with the time spent in each; the current
    stage of an open deal is marked "so far" (its clock is still running).

    Corrected events show at their true time with the correction beside them; voided ones
    are listed with no time. Order problems (a close before the last change, dates that
    disagree with the log's order, a change dated after now) are noted under the table.
    """
    still_open = history.opportunity.outcome == Category.OPEN
    rows = [_history_row(t, still_open) for t in history.timeline]
    o = history.opportunity
    where = o.stage + (f" / {o.substate}" if o.substate else "")
    table = Table(
        HISTORY_COLUMNS,
        rows,
        title=f"{' '.join(filter(None, (o.opportunity_id, o.name)))}: {where} ({o.outcome})",
        name="events",
    )
    notes = [f"event {t.event.seq}: {note}" for t in history.timeline for note in t.notes]
    events = [
        dict(
            row,
            time_in_state_seconds=None
            if t.time_in_state is None
            else row["time_in_state"].total_seconds(),
            void=t.void,
            logged_at=t.logged_at,
        )
        for t, row in zip(history.timeline, table.plain_rows(), strict=True)
    ]
    document = {
        "opportunity": o.__dict__,
        "events": events,
        "corrections": [c.__dict__ for c in history.corrections],
        "notes": notes,
    }
    return View(tables=[table], notes=notes, document=document)


ACTIVITY_COLUMNS = (
    Column("at", Kind.TIME),
    Column("kind"),
    Column("purpose"),
    Column("by"),
    Column("actor"),
    Column("note"),
    Column("id"),
)


def activities_view(history: DealHistory) -> View:
    """The evidence recorded on a deal."""
    rows = [
        {
            "at": a.at,
            "kind": a.kind,
            "purpose": a.purpose,
            "by": a.by,
            "actor": a.actor_id,
            "note": a.note,
            "id": a.activity_id,
        }
        for a in history.activities
    ]
    table = Table(ACTIVITY_COLUMNS, rows, title=f"Evidence on {history.opportunity.opportunity_id}")
    return View(tables=[table], document=table.plain_rows())
