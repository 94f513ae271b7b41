"""Commands for pay (`pipefit comp ...`) and capacity planning (`pipefit plan ...`)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipefit.cli import comp_plans
from pipefit.cli import plan as plan_commands
from pipefit.cli.common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    WorkspaceOpt,
    open_app,
    out,
    parse_time,
)
from pipefit.cli.comp_plans import required_amount
from pipefit.cli.render import emit

if TYPE_CHECKING:
    from pipefit.bootstrap import App
    from pipefit.domain.statements import Statement
    from pipefit.store.compensation import SqlCompensation

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


def _source(instance: App) -> SqlCompensation:
    from pipefit.store.compensation import SqlCompensation

    return SqlCompensation(instance.engine, instance.workspace.database_url)


def _print_statement(s: Statement) -> None:
    from pipefit.io.statement_files import statement_document

    doc = statement_document(s)
    basis = "year to date" if s.basis == "cumulative_annual" else "per period"
    out.print(
        f"Statement for {s.person_id} {s.name}, {s.period} ({s.role}, plan {s.plan}; "
        f"attainment measured {basis})"
    )
    out.print(f"Quota: {s.quota:,.2f} {s.currency}")
    for note in s.quota_notes:
        out.print(f"  - {note}")
    rows: list[dict[str, Any]] = [
        {"closed": None, "deal": f"credited in {p}", "account": None, "how": None, "credit": a}
        for p, a in s.earlier
    ]
    rows += [
        {
            "closed": c.deal.closed_at.date().isoformat(),
            "deal": c.deal.opportunity_id,
            "account": c.deal.account_id,
            "how": c.describe(s.currency),
            "credit": c.credit,
        }
        for c in s.deals
    ]
    emit(out, "table", rows, title=f"Credited deals ({len(s.deals)})")
    out.print(
        f"Credited {s.credited:,.2f} / quota {s.quota:,.2f} = attainment {doc['attainment_pct']}%"
    )
    out.print(f"Variable target: {s.target_note}")
    emit(
        out,
        "table",
        [{"line": line.label, "amount": line.amount} for line in s.lines],
        title="Pay",
    )
    out.print(f"Variable pay: {s.variable_pay:,.2f} {s.currency} (the sum of the lines above)")
    out.print(f"Base for the period: {s.base_salary:,.2f}; total pay {s.total_pay:,.2f}")
    out.print(f"Rounding: {s.rounding}")


@comp_app.command("statement")
def statement(
    person: Annotated[str, typer.Argument(help="Person id.")],
    period: PeriodOpt,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """A person's statement to check by hand.

    Quota, each credited deal, attainment, each tier's portion and rate, adjustments and the
    variable pay they add up to.
    """
    from pipefit.io.statement_files import statement_document
    from pipefit.services.compensation import statement_for

    with open_app(workspace, db) as instance:
        config = instance.workspace.config
        result = statement_for(
            _source(instance), config.compensation, config.workspace.currency, person, period
        )
    if fmt == "json":
        emit(out, "json", [], document=statement_document(result))
    elif fmt == "csv":
        rows: list[dict[str, Any]] = [
            {
                "section": "credit",
                "reference": c.deal.opportunity_id,
                "label": c.describe(result.currency),
                "amount": c.credit,
            }
            for c in result.deals
        ]
        rows += [
            {"section": line.kind, "reference": "", "label": line.label, "amount": line.amount}
            for line in result.lines
        ]
        emit(out, "csv", rows)
    else:
        _print_statement(result)


@comp_app.command("run")
def run(
    period: PeriodOpt,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the files. Default: WORKSPACE/statements/PERIOD."),
    ] = None,
    html: Annotated[bool, typer.Option(help="Also write HTML pages.")] = True,
    chart: Annotated[
        Path | None, typer.Option(help="Also chart attainment per person (.png/.svg/.html).")
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Everyone's statements for a period, written to CSV (and HTML): reps and presales."""
    from pipefit.services.compensation import run_period, write_run
    from pipefit.services.paybook import bulk_objects

    # One pause of the garbage collector over the whole run and its files (see
    # bulk_objects): the objects are acyclic, and collections between phases cost seconds.
    with open_app(workspace, db) as instance, bulk_objects():
        config = instance.workspace.config
        result = run_period(
            _source(instance), config.compensation, config.workspace.currency, period
        )
        folder = out_dir or instance.workspace.root / "statements" / result.period.label
        files = write_run(result, folder, html=html)
        if chart is not None:
            from pipefit.charts.output import save_chart
            from pipefit.charts.pay import attainment_chart

            files.append(save_chart(attainment_chart(result.statements), chart))
        label, skipped = result.period.label, result.skipped
        document = {
            "period": label,
            "statements": len(result.statements),
            "deals": result.deals,
            "total_variable_pay": result.total_variable,
            "files": [str(f) for f in files],
            "skipped": [{"person": p, "role": r, "reason": why} for p, r, why in skipped],
        }
        rows = [
            {"role": role, "statements": n, "variable_pay": pay}
            for role, n, pay in _by_role(result.statements)
        ]
        # Let go of the statements while the collector is still paused: freed by reference
        # counting alone, rather than traversed by a full collection first.
        del result
    if fmt == "json":
        emit(out, "json", [], document=document)
        return
    if fmt == "csv":
        emit(out, "csv", rows)
        return
    emit(out, "table", rows, title=f"Statements for {label}")
    for p, r, why in skipped:
        out.print(f"not paid: {p} ({r}): {why}")
    out.print("files: " + ", ".join(str(f) for f in files))


def _by_role(statements: list[Statement]) -> list[tuple[str, int, Decimal]]:
    totals: dict[str, tuple[int, Decimal]] = {}
    for s in statements:
        n, pay = totals.get(s.role, (0, Decimal(0)))
        totals[s.role] = (n + 1, pay + s.variable_pay)
    return [(role, n, pay) for role, (n, pay) in sorted(totals.items())]


@comp_app.command("quotas")
def quotas(
    period: PeriodOpt,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Quotas for a period.

    Each rep's, each pool's street quota beside its explicit target (the one in force
    first), and each team's (the sum of its reps').
    """
    from pipefit.services.compensation import quota_overview

    with open_app(workspace, db) as instance:
        config = instance.workspace.config
        rows = quota_overview(
            _source(instance), config.compensation, config.workspace.currency, period
        )
    emit(out, fmt, [r.__dict__ for r in rows], title=f"Quotas for {period}")


@comp_app.command("quota-change")
def quota_change(
    owner: Annotated[str, typer.Argument(help="Person id (or pool id with --pool).")],
    period: PeriodOpt,
    amount: Annotated[str, typer.Option(help="The new quota for the whole period.")],
    effective: Annotated[
        str, typer.Option("--from", help="From when it applies (a date within the period).")
    ],
    pool: Annotated[bool, typer.Option("--pool", help="OWNER is a pool.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why (kept with the change).")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """Record a mid-period quota change; statements prorate it by day from --from."""
    from pipefit.services.compensation import record_quota_change

    at = parse_time(effective, "--from")
    assert at is not None
    with open_app(workspace, db) as instance:
        change = record_quota_change(
            _source(instance),
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
def attainment_cmd(
    period: PeriodOpt,
    chart: Annotated[Path | None, typer.Option(help="Also draw it (.png, .svg or .html).")] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Attainment per person for a period (reps and presales), best first."""
    from pipefit.services.compensation import run_period

    with open_app(workspace, db) as instance:
        config = instance.workspace.config
        result = run_period(
            _source(instance), config.compensation, config.workspace.currency, period
        )
    ordered = sorted(result.statements, key=lambda s: -s.attainment)
    rows = [
        {
            "person": s.person_id,
            "name": s.name,
            "role": s.role,
            "quota": s.quota,
            "credited": s.credited,
            "attainment_pct": s.attainment_pct,
            "variable_pay": s.variable_pay,
        }
        for s in ordered
    ]
    emit(out, fmt, rows, title=f"Attainment, {result.period}")
    if chart is not None:
        from pipefit.charts.output import save_chart
        from pipefit.charts.pay import attainment_chart

        written = save_chart(attainment_chart(ordered), chart)
        if fmt == "table":
            out.print(f"chart written to {written}")


# Registered last, so that `pipefit comp --help` lists the statement commands first.
comp_plans.register(comp_app)
