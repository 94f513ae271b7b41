"""Commands for deals: pipeline (show, advance, correct, history), opportunity, activity."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from pipefit.bootstrap import App
from pipefit.cli.common import (
    OutputFormat,
    out,
    parse_amount,
    parse_time,
    with_app,
    with_app_and_format,
)
from pipefit.cli.render import show

__all__ = ["activity_app", "opportunity_app", "pipeline_app"]

pipeline_app = typer.Typer(
    help="Move deals through stages and read their history.", no_args_is_help=True
)
activity_app = typer.Typer(
    help="Record the evidence that stage triggers ask for.", no_args_is_help=True
)
opportunity_app = typer.Typer(help="Create and list opportunities.", no_args_is_help=True)


@pipeline_app.command("show")
@with_app_and_format
def pipeline_show(
    instance: App,
    fmt: OutputFormat,
    name: Annotated[
        str | None, typer.Argument(help="Pipeline (default: the workspace's default).")
    ] = None,
) -> None:
    """The stages of a pipeline with their entry triggers, exit criteria and sub-states."""
    from pipefit.services.deals import show_pipeline
    from pipefit.views.deals import pipeline_view

    default = instance.workspace.config.default_pipeline
    pipeline = show_pipeline(instance.uow(), name, default_pipeline=default)
    show(out, fmt, pipeline_view(pipeline))


@pipeline_app.command("advance")
@with_app_and_format
def pipeline_advance(
    instance: App,
    fmt: OutputFormat,
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    stage: Annotated[str, typer.Argument(help="Target stage (case-insensitive).")],
    substate: Annotated[str | None, typer.Option(help="Sub-state within the target stage.")] = None,
    at: Annotated[
        str | None, typer.Option(help="When (ISO 8601, UTC if no zone). Default: now.")
    ] = None,
    reason: Annotated[str | None, typer.Option(help="Why (required to close as lost).")] = None,
    actor: Annotated[str | None, typer.Option(help="Who made the move (person id).")] = None,
) -> None:
    """Move a deal to a stage; refused, with the missing evidence named, if a gate is not met."""
    from pipefit.services.deals import advance_stage
    from pipefit.views.deals import move_view

    move = advance_stage(
        instance.uow(),
        opportunity,
        stage,
        at=parse_time(at),
        substate=substate,
        actor_id=actor,
        reason=reason,
    )
    show(out, fmt, move_view(move.opportunity.opportunity_id, move))


@pipeline_app.command("correct")
@with_app_and_format
def pipeline_correct(
    instance: App,
    fmt: OutputFormat,
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    event: Annotated[
        int, typer.Option("--event", help="The event to correct (its seq in the history).")
    ],
    reason: Annotated[
        str | None, typer.Option(help="Why (required; kept with the correction).")
    ] = None,
    at: Annotated[
        str | None, typer.Option(help="The event's true time (ISO 8601, UTC if no zone).")
    ] = None,
    void: Annotated[
        bool, typer.Option("--void", help="The event never happened: void it.")
    ] = False,
    actor: Annotated[
        str | None,
        typer.Option(help="Who corrects it (person id; an admin's, if people are known)."),
    ] = None,
) -> None:
    """Correct a wrong move: log its true time or void it, beside the append-only stage log.

    The deal's stage, its history and the next move then read the corrected log.
    """
    from pipefit.services.deals import correct_stage_event
    from pipefit.views.deals import correction_view

    correction = correct_stage_event(
        instance.uow(),
        opportunity,
        event,
        reason=reason,
        actor_id=actor,
        at=parse_time(at),
        void=void,
    )
    show(out, fmt, correction_view(correction))


@pipeline_app.command("history")
@with_app_and_format
def pipeline_history(
    instance: App,
    fmt: OutputFormat,
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
) -> None:
    """Every stage and sub-state change of a deal, with time, actor and time spent."""
    from pipefit.services.deals import deal_history
    from pipefit.views.deals import history_view

    history = deal_history(instance.uow(), opportunity)
    show(out, fmt, history_view(history))


@opportunity_app.command("add")
@with_app
def opportunity_add(
    instance: App,
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
) -> None:
    """Create a deal in its pipeline's first stage (the creation is its first logged event)."""
    from pipefit.services.deals import create_opportunity

    config = instance.workspace.config
    opp = create_opportunity(
        instance.uow(),
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


@opportunity_app.command("list")
@with_app_and_format
def opportunity_list(
    instance: App,
    fmt: OutputFormat,
    stage: Annotated[
        str | None, typer.Option(help="Only deals in this stage (any pipeline's).")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Only this rep's deals (person id).")] = None,
    limit: Annotated[
        int | None, typer.Option(min=0, max=10_000_000, help="At most this many deals.")
    ] = None,
) -> None:
    """The deals in id order, with stage, amount, owner and dates."""
    from pipefit.services.deals import list_opportunities
    from pipefit.views.deals import opportunities_view

    found = list_opportunities(instance.uow(), stage=stage, owner=owner, limit=limit)
    show(out, fmt, opportunities_view(found))


@opportunity_app.command("forecast-category")
@with_app
def opportunity_forecast_category(
    instance: App,
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
    category: Annotated[str, typer.Argument(help="pipeline, best_case, commit or omitted.")],
    by: Annotated[str | None, typer.Option(help="Who sets it (person id; required).")] = None,
    note: Annotated[str | None, typer.Option(help="Why (kept with it).")] = None,
) -> None:
    """Set an open deal's forecast category by hand (kept with who and when; the forecast
    report uses the latest one in force at its as-of date)."""
    from pipefit.services.deals import set_forecast_category

    override = set_forecast_category(instance.uow(), opportunity, category, actor_id=by, note=note)
    out.print(
        f"{override.opportunity_id} is now {override.category} in the forecast "
        f"(set by {override.actor_id} at {override.at:%Y-%m-%d %H:%M} UTC)"
    )


@activity_app.command("add")
@with_app
def activity_add(
    instance: App,
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
) -> None:
    """Record evidence on a deal: a meeting booked or accepted, a demo held, a PO received..."""
    from pipefit.services.deals import add_activity

    act = add_activity(
        instance.uow(),
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
        f"{act.opportunity_id}: {act.kind}{extra} recorded at {act.at:%Y-%m-%d %H:%M} UTC"
        f" [{act.activity_id}]"
    )


@activity_app.command("list")
@with_app_and_format
def activity_list(
    instance: App,
    fmt: OutputFormat,
    opportunity: Annotated[str, typer.Argument(help="Opportunity id.")],
) -> None:
    """The evidence recorded on a deal."""
    from pipefit.services.deals import deal_history
    from pipefit.views.deals import activities_view

    history = deal_history(instance.uow(), opportunity)
    show(out, fmt, activities_view(history))
