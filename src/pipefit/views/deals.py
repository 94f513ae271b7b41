"""What deal commands show: a pipeline's stages, a move, a deal's history and evidence."""

from __future__ import annotations

from pipefit.domain.model import Category
from pipefit.domain.pipeline import Move, Pipeline, describe_requirements
from pipefit.services.deals import DealHistory
from pipefit.views.shapes import Column, Kind, Table, View

__all__ = ["activities_view", "history_view", "move_view", "pipeline_view"]


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


def move_view(opportunity_id: str, move: Move) -> View:
    """One line for people; the event itself for scripts."""
    e = move.event
    target = e.to_stage + (f" / {e.substate}" if e.substate else "")
    line = (
        f"{opportunity_id}: {e.from_stage} -> {target} ({move.kind}) at {e.at:%Y-%m-%d %H:%M} UTC"
    )
    document = {"opportunity": opportunity_id, "kind": move.kind, "event": e.__dict__}
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
)


def history_view(history: DealHistory) -> View:
    """Every stage and sub-state change of a deal, with the time spent in each; the current
    stage of an open deal is marked "so far" (its clock is still running)."""
    still_open = history.opportunity.outcome == Category.OPEN
    rows = [
        {
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
        }
        for t in history.timeline
    ]
    o = history.opportunity
    where = o.stage + (f" / {o.substate}" if o.substate else "")
    table = Table(
        HISTORY_COLUMNS,
        rows,
        title=f"{o.opportunity_id} {o.name or ''}: {where} ({o.outcome})",
        name="events",
    )
    events = [
        dict(row, time_in_state_seconds=row["time_in_state"].total_seconds())
        for row in table.plain_rows()
    ]
    return View(tables=[table], document={"opportunity": o.__dict__, "events": events})


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
