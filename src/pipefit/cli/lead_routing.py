"""Lead commands that read and write the workspace's decisions: assess, show, qualify..."""

from __future__ import annotations

from typing import Annotated

import typer

from pipefit.bootstrap import App
from pipefit.cli.common import OutputFormat, out, parse_time, with_app_and_format
from pipefit.cli.render import show

__all__ = ["register"]

ListOpt = Annotated[list[str] | None, typer.Option(help="May be given more than once.")]


def register(app: typer.Typer) -> None:
    """Add the routing commands to `pipefit leads`."""
    app.command("assess")(assess_cmd)
    app.command("show")(show_cmd)
    app.command("qualify")(qualify)
    app.command("override")(override_cmd)
    app.command("decisions")(decisions_cmd)


@with_app_and_format
def assess_cmd(
    instance: App,
    fmt: OutputFormat,
    status: ListOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many leads (0: all).", min=0)] = 50,
) -> None:
    """Each lead judged by BANT, demo-ready and the scorecard, with BANT's blind spots flagged.

    Writes nothing. By default the leads waiting to be qualified (the statuses of
    routing.qualify_statuses); --status new --status nurture to choose.
    """
    from pipefit.services.qualification import assess_waiting
    from pipefit.views.leads import assessments_view

    config = instance.workspace.config.qualification
    wanted = status or config.routing.qualify_statuses
    found = assess_waiting(instance.uow(), config, statuses=wanted, limit=limit)
    show(out, fmt, assessments_view(found, sorted(set(wanted))))


@with_app_and_format
def show_cmd(
    instance: App,
    fmt: OutputFormat,
    lead: Annotated[str, typer.Argument(help="Lead id.")],
    learned: Annotated[
        bool, typer.Option(help="Also learn P(win) and P(success) from the history.")
    ] = True,
) -> None:
    """One lead every way: BANT, Situation Slide, scorecard parts, learned odds, decisions."""
    from pipefit.services.lead_decisions import lead_detail
    from pipefit.views.leads import lead_view

    config = instance.workspace.config.qualification
    a, decisions, notes = lead_detail(instance.uow(), config, lead, learned=learned)
    show(out, fmt, lead_view(a, decisions, notes))


@with_app_and_format
def qualify(
    instance: App,
    fmt: OutputFormat,
    leads: Annotated[
        list[str] | None, typer.Argument(help="Lead ids (default: every lead waiting).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Decide and show, write nothing.")
    ] = False,
    learned: Annotated[
        bool, typer.Option(help="Also learn P(win) and P(success) for the reasons.")
    ] = True,
    at: Annotated[str | None, typer.Option(help="Decision time (ISO 8601). Default: now.")] = None,
) -> None:
    """Band each waiting lead and route it: hand off to a rep, nurture, or disqualify.

    Waiting leads are those with a status in routing.qualify_statuses, and nurtured
    leads whose re-entry date has come or who have none. Every decision carries its reasons and is
    recorded (with the hand-off and the lead's new status) in one transaction.
    """
    from pipefit.services.qualification import qualify_leads
    from pipefit.views.leads import qualify_view

    result = qualify_leads(
        instance.uow(),
        instance.workspace.config.qualification,
        lead_ids=leads or [],
        at=parse_time(at),
        dry_run=dry_run,
        learned=learned,
    )
    show(out, fmt, qualify_view(result))


@with_app_and_format
def override_cmd(
    instance: App,
    fmt: OutputFormat,
    lead: Annotated[str, typer.Argument(help="Lead id.")],
    decision: Annotated[str, typer.Option(help="handoff, nurture or disqualify.")],
    by: Annotated[str, typer.Option(help="Who decides (person id).")],
    to: Annotated[str | None, typer.Option(help="Rep to hand off to (person id).")] = None,
    until: Annotated[str | None, typer.Option(help="Nurture until (ISO 8601 date).")] = None,
    note: Annotated[str | None, typer.Option(help="Why (required to disqualify).")] = None,
) -> None:
    """A person's decision in place of the one in force; both stay on record."""
    from pipefit.services.lead_decisions import override_lead
    from pipefit.views.leads import decisions_view

    changed = override_lead(
        instance.uow(),
        lead,
        decision=decision,
        by=by,
        to_id=to,
        until=parse_time(until, "--until"),
        note=note,
    )
    show(out, fmt, decisions_view([changed], title="Override recorded"))


@with_app_and_format
def decisions_cmd(
    instance: App,
    fmt: OutputFormat,
    lead: Annotated[str | None, typer.Argument(help="Lead id (default: all leads).")] = None,
) -> None:
    """The decision log, newest first: pipefit's decisions and people's overrides.

    Each with its note and its state: in force, or superseded (and by which decision).
    """
    from pipefit.services.lead_decisions import decision_log
    from pipefit.views.leads import decisions_view

    log = decision_log(instance.uow(), lead)
    show(out, fmt, decisions_view(log))
