"""`pipefit comp` commands about plans themselves: check a plan file by hand, compare a
rep and a presales engineer, list the plans, draw their payout curves."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipefit.bootstrap import App
from pipefit.cli.common import OutputFormat, out, parse_amount, with_format, with_workspace
from pipefit.cli.outputs import OverwriteOpt, check_chart, write_chart
from pipefit.cli.render import show
from pipefit.domain.errors import PipefitError
from pipefit.views import View

__all__ = ["register", "required_amount", "show_laid_out"]


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


def show_laid_out(fmt: OutputFormat, view: View, people: Callable[[Console, View], None]) -> None:
    """Print a view whose terminal layout is its own (figures between its tables) with
    `people`; JSON and CSV as every view."""
    if fmt == OutputFormat.TABLE:
        people(out, view)
    else:
        show(out, fmt, view)


@with_format
@with_workspace
def calc(
    workspace: Path | None,
    fmt: OutputFormat,
    plan: Annotated[Path, typer.Option("--plan", help="A plan file (TOML, the plan's keys).")],
    quota: Annotated[str, typer.Option(help="Quota for the period.")],
    bookings: Annotated[str, typer.Option(help="Credited bookings for the period.")],
    variable: Annotated[
        str | None, typer.Option(help="Variable target for the period (default: the plan's).")
    ] = None,
    base: Annotated[str | None, typer.Option(help="Base salary, to show pay as % of base.")] = None,
) -> None:
    """A plan's payout for bookings against a quota, from a plan file alone (no workspace).

    For checking a plan by hand. Cumulative attainment, draws and clawbacks need history and
    are left to statements.
    """
    from pipefit.config.compensation import load_plan_file
    from pipefit.services.compensation import calc_plan
    from pipefit.views.pay import calc_view, print_calc

    del workspace  # accepted like everywhere; a plan file needs no workspace
    chosen = load_plan_file(plan)
    result = calc_plan(
        chosen,
        quota=required_amount(quota, "--quota"),
        bookings=required_amount(bookings, "--bookings"),
        variable=parse_amount(variable, "--variable"),
        base=parse_amount(base, "--base"),
    )
    show_laid_out(fmt, calc_view(result), print_calc)


@with_format
@with_workspace
def compare(
    workspace: Path | None,
    fmt: OutputFormat,
    attainment: Annotated[
        list[str] | None, typer.Option(help="Attainment % to compare at (repeatable).")
    ] = None,
) -> None:
    """A rep and a presales engineer at the same attainment (default 100% and 150%).

    What each earns, as a percentage of base, by the workspace's plans for the two roles.
    """
    from pipefit.services.compensation import compare_roles
    from pipefit.views.pay import compare_view

    config = App.configured(workspace).compensation
    points = [required_amount(a, "--attainment") for a in attainment or ["100", "150"]]
    show(out, fmt, compare_view(compare_roles(config, points)))


@with_format
@with_workspace
def plans(workspace: Path | None, fmt: OutputFormat) -> None:
    """The plans in pipefit.toml, their tiers, and which role or person each pays."""
    from pipefit.views.pay import plans_view

    show(out, fmt, plans_view(App.configured(workspace).compensation))


MAX_UP_TO = 1000


@with_workspace
def curves(
    workspace: Path | None,
    chart: Annotated[Path, typer.Option("--out", help="Chart file: .png, .svg or .html.")],
    plan: Annotated[
        list[str] | None, typer.Option(help="Plans to draw (default: the roles' plans).")
    ] = None,
    up_to: Annotated[
        int, typer.Option(help="Highest attainment % on the chart.", min=1, max=MAX_UP_TO)
    ] = 200,
    overwrite: OverwriteOpt = False,
) -> None:
    """Payout curves of the plans on one chart (rep vs presales by default)."""
    from pipefit.bootstrap import outputs
    from pipefit.charts.pay import payout_curves_chart

    files = outputs(workspace, replace=overwrite)
    check_chart(files, chart, "output.curves")
    config = App.configured(workspace).compensation
    known = config.plans_domain()
    names = plan or list(dict.fromkeys(config.roles.values()))
    missing = [n for n in names if n not in known]
    if missing:
        raise PipefitError(
            f"no plan named {', '.join(missing)}; plans: {', '.join(known)}", field="curves.plan"
        )
    labels = {v: f"{v} ({k})" for k, v in config.roles.items()}
    chosen = {labels.get(n, n): known[n] for n in names}
    drawn = payout_curves_chart(chosen, up_to=up_to)
    out.print(f"chart written to {write_chart(files, drawn, chart, 'output.curves')}")
