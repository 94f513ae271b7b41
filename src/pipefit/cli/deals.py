"""Commands for deals: pipeline (show, advance, history), opportunity, activity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from pipefit.cli.common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    WorkspaceOpt,
    open_app,
    out,
    parse_amount,
    parse_time,
)
from pipefit.cli.render import duration, emit
from pipefit.domain.errors import PipefitError
from pipefit.domain.pipeline import describe_requirements

__all__ = ["activity_app", "opportunity_app", "pipeline_app"]

pipeline_app = typer.Typer(
    help="Move deals through stages and read their history.", no_args_is_help=True
)
activity_app = typer.Typer(
    help="Record the evidence that stage triggers ask for.", no_args_is_help=True
)
opportunity_app = typer.Typer(help="Create and list opportunities.", no_args_is_help=True)


@pipeline_app.command("show")
def pipeline_show(
    name: Annotated[
        str | None, typer.Argument(help="Pipeline (default: the workspace's default).")
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The stages of a pipeline with their entry triggers, exit criteria and sub-states."""
    with open_app(workspace, db) as instance, instance.deals() as repo:
        pipelines = repo.pipelines()
        chosen = name or instance.workspace.config.default_pipeline
        if chosen not in pipelines:
            raise PipefitError(f"unknown pipeline '{chosen}'; known: {', '.join(pipelines)}")
        pipeline = pipelines[chosen]
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
    emit(out, fmt, rows, title=f"Pipeline '{pipeline.name}' ({pipeline.origin})")


@pipeline_app.command("advance")
def pipeline_advance(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    stage: Annotated[str, typer.Argument(help="Target stage (case-insensitive).")],
    substate: Annotated[str | None, typer.Option(help="Sub-state within the target stage.")] = None,
    at: Annotated[
        str | None, typer.Option(help="When (ISO 8601, UTC if no zone). Default: now.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (required to close as lost).")] = None,
    actor: Annotated[str | None, typer.Option(help="Who made the move (person id).")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Move a deal to a stage; refused, with the missing evidence named, if a gate is not met."""
    from pipefit.services.deals import advance_stage

    with open_app(workspace, db) as instance:
        move = advance_stage(
            instance.deals,
            opportunity,
            stage,
            at=parse_time(at),
            substate=substate,
            actor_id=actor,
            reason=reason,
        )
    e = move.event
    if fmt == "json":
        emit(
            out,
            "json",
            [],
            document={"opportunity": opportunity, "kind": move.kind, "event": e.__dict__},
        )
        return
    target = e.to_stage + (f" / {e.substate}" if e.substate else "")
    out.print(
        f"{opportunity}: {e.from_stage} -> {target} ({move.kind}) at {e.at:%Y-%m-%d %H:%M} UTC"
    )


@pipeline_app.command("history")
def pipeline_history(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Every stage and sub-state change of a deal, with time, actor and time spent."""
    from pipefit.services.deals import deal_history

    with open_app(workspace, db) as instance:
        history = deal_history(instance.deals, opportunity)
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
            "time_in_state": duration(t.time_in_state)
            + (" (so far)" if t.still_there and history.opportunity.outcome == "open" else ""),
        }
        for t in history.timeline
    ]
    if fmt == "json":
        document = {
            "opportunity": history.opportunity.__dict__,
            "events": [
                dict(r, time_in_state_seconds=t.time_in_state.total_seconds())
                for r, t in zip(rows, history.timeline, strict=True)
            ],
        }
        emit(out, "json", [], document=document)
        return
    o = history.opportunity
    where = o.stage + (f" / {o.substate}" if o.substate else "")
    title = f"{o.opportunity_id} {o.name or ''}: {where} ({o.outcome})"
    emit(out, fmt, rows, title=title)


@opportunity_app.command("add")
def opportunity_add(
    opportunity: Annotated[str, typer.Argument(help="New opportunity id.")],
    name: Annotated[str | None, typer.Option(help="Deal name.")] = None,
    account: Annotated[str | None, typer.Option(help="Account id.")] = None,
    amount: Annotated[str | None, typer.Option(help="Amount (exact decimal).")] = None,
    currency: Annotated[
        str | None, typer.Option(help="Currency (default: the workspace's).")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Sales rep (person id).")] = None,
    presales: Annotated[str | None, typer.Option(help="Presales engineer (person id).")] = None,
    pipeline: Annotated[
        str | None, typer.Option(help="Pipeline (default: the workspace's default).")
    ] = None,
    at: Annotated[str | None, typer.Option(help="Created at (ISO 8601). Default: now.")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Create a deal in its pipeline's first stage (the creation is its first logged event)."""
    from pipefit.services.deals import create_opportunity

    with open_app(workspace, db) as instance:
        config = instance.workspace.config
        opp = create_opportunity(
            instance.deals,
            opportunity,
            pipeline=pipeline,
            default_pipeline=config.default_pipeline,
            at=parse_time(at) or datetime.now(UTC),
            name=name,
            account_id=account,
            amount=parse_amount(amount),
            currency=currency or config.workspace.currency,
            owner_id=owner,
            presales_id=presales,
        )
    out.print(f"{opp.opportunity_id} created in {opp.pipeline} / {opp.stage}")


@activity_app.command("add")
def activity_add(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    kind: Annotated[
        str, typer.Argument(help="meeting_booked, meeting_accepted, demo_held, proposal_sent, ...")
    ],
    purpose: Annotated[
        str | None, typer.Option(help="Which meeting: discovery, evaluation, overview, refinement.")
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Who accepted or did it: prospect, rep or presales.")
    ] = None,
    at: Annotated[str | None, typer.Option(help="When (ISO 8601). Default: now.")] = None,
    actor: Annotated[str | None, typer.Option(help="Who recorded it (person id).")] = None,
    note: Annotated[str | None, typer.Option(help="Free text.")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Record evidence on a deal: a meeting booked or accepted, a demo held, a PO received..."""
    from pipefit.services.deals import add_activity

    with open_app(workspace, db) as instance:
        act = add_activity(
            instance.deals,
            opportunity,
            kind,
            at=parse_time(at),
            purpose=purpose,
            by=by,
            actor_id=actor,
            note=note,
        )
    extra = (f" ({act.purpose})" if act.purpose else "") + (f" by {act.by}" if act.by else "")
    out.print(
        f"{opportunity}: {act.kind}{extra} recorded at {act.at:%Y-%m-%d %H:%M} UTC"
        f" [{act.activity_id}]"
    )


@activity_app.command("list")
def activity_list(
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The evidence recorded on a deal."""
    from pipefit.services.deals import deal_history

    with open_app(workspace, db) as instance:
        history = deal_history(instance.deals, opportunity)
    emit(
        out,
        fmt,
        [
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
        ],
        title=f"Evidence on {opportunity}",
    )
