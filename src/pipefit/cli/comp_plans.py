"""`pipefit comp` commands about plans themselves: check a plan file by hand, compare a
rep and a presales engineer, list the plans, draw their payout curves."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from pipefit.cli.common import FormatOpt, OutputFormat, WorkspaceOpt, out, parse_amount
from pipefit.cli.render import emit
from pipefit.domain.errors import PipefitError

__all__ = ["register", "required_amount"]


def register(app: typer.Typer) -> None:
    app.command("calc")(calc)
    app.command("compare")(compare)
    app.command("plans")(plans)
    app.command("curves")(curves)


def required_amount(value: str | None, option: str) -> Decimal:
    amount = parse_amount(value, option)
    if amount is None:
        raise PipefitError(f"{option} is required")
    return amount


def calc(
    plan: Annotated[Path, typer.Option("--plan", help="A plan file (TOML, the plan's keys).")],
    quota: Annotated[str, typer.Option(help="Quota for the period.")],
    bookings: Annotated[str, typer.Option(help="Credited bookings for the period.")],
    variable: Annotated[
        str | None, typer.Option(help="Variable target for the period (default: the plan's).")
    ] = None,
    base: Annotated[str | None, typer.Option(help="Base salary, to show pay as % of base.")] = None,
    workspace: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """A plan's payout for bookings against a quota, from a plan file alone (no workspace).

    For checking a plan by hand. Cumulative attainment, draws and clawbacks need history and
    are left to statements.
    """
    from pipefit.config.compensation import load_plan_file
    from pipefit.services.compensation import calc_plan

    del workspace  # accepted like everywhere; a plan file needs no workspace
    chosen = load_plan_file(plan)
    result = calc_plan(
        chosen,
        quota=required_amount(quota, "--quota"),
        bookings=required_amount(bookings, "--bookings"),
        variable=parse_amount(variable, "--variable"),
        base=parse_amount(base, "--base"),
    )
    p = result.payout
    attainment = (p.credited / p.quota).quantize(Decimal("0.000001"))
    lines = [
        {
            "kind": line.kind,
            "label": line.label,
            "amount": line.amount,
            "tier": None if line.tier is None else line.tier + 1,
            "rate": line.rate,
            "bookings": line.bookings,
        }
        for line in p.lines
    ]
    document = {
        "plan": chosen.name,
        "tier_mode": str(chosen.mode),
        "quota": p.quota,
        "bookings": p.credited,
        "attainment": attainment,
        "attainment_pct": (attainment * 100).quantize(Decimal("0.01")),
        "variable_target": p.target,
        "variable_pay": p.total,
        "pct_of_target": result.pct_of_target,
        "base_salary": result.base_salary,
        "pct_of_base": result.pct_of_base,
        "lines": lines,
        "rounding": result.rounding,
    }
    if fmt == "json":
        emit(out, "json", [], document=document)
        return
    rows = [{"line": x["label"], "amount": x["amount"]} for x in lines]
    if fmt == "csv":
        emit(out, "csv", rows)
        return
    out.print(f"Plan {chosen.name}: {chosen.describe()}")
    out.print(
        f"Bookings {p.credited:,.2f} / quota {p.quota:,.2f} = attainment "
        f"{document['attainment_pct']}%; variable target {p.target:,.2f}"
    )
    emit(out, "table", rows)
    shown = f"{p.total:,.2f} = {result.pct_of_target}% of target"
    if result.pct_of_base is not None:
        shown += f", {result.pct_of_base}% of base"
    out.print(f"Variable pay: {shown}")
    out.print(f"Rounding: {result.rounding}")


def compare(
    attainment: Annotated[
        list[str] | None, typer.Option(help="Attainment % to compare at (repeatable).")
    ] = None,
    workspace: WorkspaceOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """A rep and a presales engineer at the same attainment (default 100% and 150%).

    What each earns, as a percentage of base, by the workspace's plans for the two roles.
    """
    from pipefit.config import load_workspace
    from pipefit.services.compensation import compare_roles

    config = load_workspace(workspace).config.compensation
    points = [required_amount(a, "--attainment") for a in attainment or ["100", "150"]]
    rows = [
        {
            "role": r.role,
            "plan": r.plan,
            "attainment_pct": r.attainment_pct,
            "base_salary": r.base_salary,
            "variable_target": r.variable_target,
            "variable_pay": r.variable_pay,
            "variable_pct_of_base": r.variable_pct_of_base,
            "total_pay": r.total_pay,
            "total_pct_of_base": r.total_pct_of_base,
        }
        for r in compare_roles(config, points)
    ]
    emit(out, fmt, rows, title="Rep vs presales at the same attainment (a year)")


def plans(workspace: WorkspaceOpt = None, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """The plans in pipefit.toml, their tiers, and which role or person each pays."""
    from pipefit.config import load_workspace

    config = load_workspace(workspace).config.compensation
    users: dict[str, list[str]] = {}
    for role, name in config.roles.items():
        users.setdefault(name, []).append(f"role {role}")
    for person, name in config.assignments.items():
        users.setdefault(name, []).append(person)
    rows = [
        {
            "plan": name,
            "pays": ", ".join(users.get(name, [])),
            "tiers": plan.describe(),
            "at_100_pct_pays": f"{float(plan.pays_at_target() * 100):g}% of target",
            "attainment": str(plan.attainment),
            "clawback_days": plan.clawback_days,
            "draw": None if plan.draw is None else f"{plan.draw.monthly:,.2f} a month",
        }
        for name, plan in config.plans_domain().items()
    ]
    emit(out, fmt, rows, title="Plans")


def curves(
    chart: Annotated[Path, typer.Option("--out", help="Chart file: .png, .svg or .html.")],
    plan: Annotated[
        list[str] | None, typer.Option(help="Plans to draw (default: the roles' plans).")
    ] = None,
    up_to: Annotated[int, typer.Option(help="Highest attainment % on the chart.")] = 200,
    workspace: WorkspaceOpt = None,
) -> None:
    """Payout curves of the plans on one chart (rep vs presales by default)."""
    from pipefit.charts.output import save_chart
    from pipefit.charts.pay import payout_curves_chart
    from pipefit.config import load_workspace

    config = load_workspace(workspace).config.compensation
    known = config.plans_domain()
    names = plan or list(dict.fromkeys(config.roles.values()))
    missing = [n for n in names if n not in known]
    if missing:
        raise PipefitError(f"no plan named {', '.join(missing)}; plans: {', '.join(known)}")
    labels = {v: f"{v} ({k})" for k, v in config.roles.items()}
    chosen = {labels.get(n, n): known[n] for n in names}
    out.print(f"chart written to {save_chart(payout_curves_chart(chosen, up_to=up_to), chart)}")
