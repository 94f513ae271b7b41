"""Commands for pay (`pipefit comp ...`) and capacity planning (`pipefit plan ...`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipefit.bootstrap import App
from pipefit.cli import comp_plans
from pipefit.cli import plan as plan_commands
from pipefit.cli.common import OutputFormat, out, parse_time, with_app, with_app_and_format
from pipefit.cli.comp_plans import required_amount, show_laid_out
from pipefit.cli.outputs import OverwriteOpt, check_chart, write_chart
from pipefit.cli.render import show

__all__ = ["comp_app", "plan_app"]

comp_app = typer.Typer(
    help="Pay: quotas, pooled street quotas, plans, statements.", no_args_is_help=True
)
plan_app = typer.Typer(
    help="Capacity: the presales multiplier, what-if planning, presales workload.",
    no_args_is_help=True,
)
plan_commands.register(plan_app)

PeriodOpt = Annotated[
    str, typer.Option("--period", "-p", help="2026 (year), 2026Q3 (quarter) or 2026-07 (month).")
]


@comp_app.command("statement")
@with_app_and_format
def statement(
    instance: App,
    fmt: OutputFormat,
    person: Annotated[str, typer.Argument(help="Person id.")],
    period: PeriodOpt,
) -> None:
    """A person's statement to check by hand.

    Quota, each credited deal, attainment, each tier's portion and rate, adjustments and the
    variable pay they add up to.
    """
    from pipefit.services.compensation import statement_for
    from pipefit.views.statements import print_statement, statement_view

    result = statement_for(instance.uow(), instance.compensation, instance.currency, person, period)
    show_laid_out(fmt, statement_view(result), print_statement)


@comp_app.command("run")
@with_app_and_format
def run(
    instance: App,
    fmt: OutputFormat,
    period: PeriodOpt,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the files. Default: WORKSPACE/statements/PERIOD."),
    ] = None,
    html: Annotated[bool, typer.Option(help="Also write HTML pages.")] = True,
    chart: Annotated[
        Path | None, typer.Option(help="Also chart attainment per person (.png/.svg/.html).")
    ] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Everyone's statements for a period, written to CSV (and HTML): reps and presales."""
    from pipefit.services.compensation import run_period, write_run
    from pipefit.services.paybook import bulk_objects
    from pipefit.views.pay import print_run, run_view

    files = instance.outputs(replace=overwrite)
    if out_dir is not None:  # at once; the run's pages are checked before the first is written
        names = ["statements.csv", "statement_lines.csv", *(["index.html"] if html else [])]
        files.check_folder(out_dir, names, "output.run")
    check_chart(files, chart)
    # One pause of the garbage collector over the whole run and its files (see
    # bulk_objects): the objects are acyclic, and collections between phases cost seconds.
    with bulk_objects():
        result = run_period(instance.uow(), instance.compensation, instance.currency, period)
        folder = out_dir or instance.workspace.root / "statements" / result.period.label
        written = write_run(result, instance.statement_writer(files), folder, html=html)
        if chart is not None:
            from pipefit.charts.pay import attainment_chart

            written.append(write_chart(files, attainment_chart(result.statements), chart))
        view = run_view(result, written)
        # Let go of the statements while the collector is still paused: freed by reference
        # counting alone, rather than traversed by a full collection first.
        del result
    show_laid_out(fmt, view, print_run)


@comp_app.command("quotas")
@with_app_and_format
def quotas(
    instance: App,
    fmt: OutputFormat,
    period: PeriodOpt,
) -> None:
    """Quotas for a period.

    Each rep's, each pool's street quota beside its explicit target (the one in force
    first), and each team's (the sum of its reps').
    """
    from pipefit.services.compensation import quota_overview
    from pipefit.views.pay import quotas_view

    rows = quota_overview(instance.uow(), instance.compensation, instance.currency, period)
    show(out, fmt, quotas_view(rows, period))


@comp_app.command("quota-change")
@with_app
def quota_change(
    instance: App,
    owner: Annotated[str, typer.Argument(help="Person id (or pool id with --pool).")],
    period: PeriodOpt,
    amount: Annotated[str, typer.Option(help="The new quota for the whole period.")],
    effective: Annotated[
        str, typer.Option("--from", help="From when it applies (a date within the period).")
    ],
    pool: Annotated[bool, typer.Option("--pool", help="OWNER is a pool.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why (kept with the change).")] = None,
) -> None:
    """Record a mid-period quota change; statements prorate it by day from --from."""
    from pipefit.services.compensation import record_quota_change

    at = parse_time(effective, "--from")
    assert at is not None
    change = record_quota_change(
        instance.uow(),
        owner_kind="pool" if pool else "person",
        owner_id=owner,
        period=period,
        amount=required_amount(amount, "--amount"),
        effective_at=at,
        reason=reason,
    )
    out.print(
        f"{owner}: {change.period} quota {change.amount:,.2f} from {at.date()} recorded "
        f"[change {change.change_id}]"
    )


@comp_app.command("attainment")
@with_app_and_format
def attainment_cmd(
    instance: App,
    fmt: OutputFormat,
    period: PeriodOpt,
    chart: Annotated[Path | None, typer.Option(help="Also draw it (.png, .svg or .html).")] = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Attainment per person for a period (reps and presales), best first."""
    from pipefit.services.compensation import run_period
    from pipefit.views.pay import attainment_view

    files = instance.outputs(replace=overwrite)
    check_chart(files, chart)
    result = run_period(instance.uow(), instance.compensation, instance.currency, period)
    show(out, fmt, attainment_view(result))
    if chart is not None:
        from pipefit.charts.pay import attainment_chart

        ordered = sorted(result.statements, key=lambda s: -s.attainment)
        written = write_chart(files, attainment_chart(ordered), chart)
        if fmt == "table":
            out.print(f"chart written to {written}")


@comp_app.command("close")
@with_app_and_format
def close(
    instance: App,
    fmt: OutputFormat,
    period: PeriodOpt,
    by: Annotated[
        str | None, typer.Option("--by", help="Who closes it (default: the login name).")
    ] = None,
) -> None:
    """Close a pay period: keep everyone's statements of it as paid (who, when).

    A closed period's statements are read back, never recomputed; a later change to it
    (a late deal, a changed split, a churn) is paid as an adjustment line in the first
    open period. Periods close in order, each once.
    """
    from pipefit.services.period_close import close_period
    from pipefit.views.closes import close_view

    result = close_period(
        instance.uow(),
        instance.compensation,
        instance.currency,
        period,
        closed_by=by or _login(),
    )
    show(out, fmt, close_view(result))


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return ""


@comp_app.command("periods")
@with_app_and_format
def periods(instance: App, fmt: OutputFormat) -> None:
    """Closed pay periods: which, by whom and when, with what they paid."""
    from pipefit.services.period_close import list_closes
    from pipefit.views.closes import closes_view

    show(out, fmt, closes_view(list_closes(instance.uow())))


# Registered last, so that `pipefit comp --help` lists the statement commands first.
comp_plans.register(comp_app)
