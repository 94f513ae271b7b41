"""`pipefit plan ...`: the presales multiplier, what-if planning and presales workload."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pipefit.bootstrap import App
from pipefit.cli.common import (
    DbOpt,
    OutputFormat,
    WorkspaceOpt,
    inherited,
    open_app,
    out,
    parse_amount,
    parse_time,
    with_app_and_format,
    with_format,
)
from pipefit.cli.outputs import OverwriteOpt, check_chart, write_chart
from pipefit.cli.render import show
from pipefit.domain.errors import PipefitError

if TYPE_CHECKING:
    from pipefit.config.compensation import CapacityConfig
    from pipefit.io.outputs import Outputs

__all__ = ["register"]

ChartOpt = Annotated[
    Path | None, typer.Option("--chart", help="Also draw it (.png, .svg or .html).")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="End of the history window (default: the latest close)."),
]


MAX_HIRES = 10_000  # people to hire in one what-if
MAX_WEEKS = 520  # ten years of meetings


def register(app: typer.Typer) -> None:
    app.command("capacity")(capacity)
    app.command("compare")(compare)
    app.command("workload")(workload)


def _chart(files: Outputs, chart: Any, path: Path | None, fmt: str) -> None:
    if path is None:
        return
    written = write_chart(files, chart, path)
    if fmt == "table":
        out.print(f"chart written to {written}")


def _scenario_config(workspace: Path | None) -> CapacityConfig:
    """A scenario needs no workspace; where there is one, its capacity settings hold."""
    from pipefit.bootstrap import optional_config
    from pipefit.config.compensation import CapacityConfig

    config = optional_config(workspace)
    return config.compensation.capacity if config is not None else CapacityConfig()


@with_format
def capacity(
    fmt: OutputFormat,
    cli_context: typer.Context,
    reps_per_presales: Annotated[
        str | None, typer.Option(help="Reps one presales person covers (scenario).")
    ] = None,
    rep_quota: Annotated[str | None, typer.Option(help="A rep's yearly quota (scenario).")] = None,
    gain: Annotated[
        str | None,
        typer.Option(
            help="Productivity gain, e.g. 0.05 for 5% (default: each segment's norm; for a "
            "scenario, compensation.capacity.default_gain)."
        ),
    ] = None,
    as_of: AsOfOpt = None,
    chart: ChartOpt = None,
    overwrite: OverwriteOpt = False,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
) -> None:
    """The presales multiplier.

    The quota one presales person influences and the extra revenue a productivity gain
    brings. With --reps-per-presales and --rep-quota, one scenario (no workspace needed);
    without, every segment of the workspace's team, at its actual ratio and at the
    configured norm (1:10 high volume low ACV, 1:5 mid).
    """
    from pipefit.services.capacity import capacity_scenario, workspace_capacity
    from pipefit.views.capacity import capacity_view, scenario_view

    # Opened only for the workspace's own figures: a scenario needs no database.
    workspace = inherited(cli_context, "workspace", workspace)
    db = inherited(cli_context, "db", db)
    ratio = parse_amount(reps_per_presales, "--reps-per-presales")
    quota = parse_amount(rep_quota, "--rep-quota")
    chosen_gain = parse_amount(gain, "--gain")
    for_people = fmt == OutputFormat.TABLE
    if (ratio is None) != (quota is None):
        raise PipefitError("give both --reps-per-presales and --rep-quota for a scenario")
    if ratio is not None and quota is not None:
        m = capacity_scenario(ratio, quota, chosen_gain, capacity=_scenario_config(workspace))
        show(out, fmt, scenario_view(m, for_people=for_people))
        return
    with open_app(workspace, db) as instance:
        files = instance.outputs(replace=overwrite)
        check_chart(files, chart)
        config = instance.workspace.config
        report = workspace_capacity(
            instance.uow(),
            config.compensation,
            config.workspace.currency,
            gain=chosen_gain,
            as_of=parse_time(as_of, "--as-of"),
        )
    show(out, fmt, capacity_view(report, for_people=for_people))
    if chart is not None:
        from pipefit.charts.capacity import segments_chart

        _chart(files, segments_chart(report.segments), chart, fmt)


@with_app_and_format
def compare(
    instance: App,
    fmt: OutputFormat,
    reps: Annotated[int, typer.Option(help="Reps to hire.", max=MAX_HIRES)] = 1,
    presales: Annotated[int, typer.Option(help="Presales engineers to hire.", max=MAX_HIRES)] = 1,
    gain: Annotated[
        str | None, typer.Option(help="Presales productivity gain, e.g. 0.05 (default: norm).")
    ] = None,
    team: Annotated[str | None, typer.Option(help="Only this team (default: everyone).")] = None,
    as_of: AsOfOpt = None,
    chart: ChartOpt = None,
    overwrite: OverwriteOpt = False,
) -> None:
    """Hire reps, make presales more productive, or hire presales? Side by side.

    Each option's first-year cost and expected revenue (with a range), on bookings, from
    the team's own win rate, cycle length and deal sizes; a presales hire by the norms and
    by the engineers' measured open deals, whichever is larger. The McKinsey ranges are
    the default assumptions, labelled as such.
    """
    from pipefit.services.capacity import plan_team
    from pipefit.views.capacity import options_view

    files = instance.outputs(replace=overwrite)
    check_chart(files, chart)
    config = instance.workspace.config
    report = plan_team(
        instance.uow(),
        config.compensation,
        config.workspace.currency,
        hire_reps=reps,
        hire_presales=presales,
        gain=parse_amount(gain, "--gain"),
        team=team,
        as_of=parse_time(as_of, "--as-of"),
    )
    show(out, fmt, options_view(report))
    if chart is not None:
        from pipefit.charts.capacity import whatif_chart

        _chart(files, whatif_chart(report.options), chart, fmt)


@with_app_and_format
def workload(
    instance: App,
    fmt: OutputFormat,
    weeks: Annotated[
        int | None,
        typer.Option(help="Weeks of meetings to average (default: config).", max=MAX_WEEKS),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="End of the window (default: latest activity).")
    ] = None,
) -> None:
    """Presales workload from the pipeline.

    Open deals per engineer by stage, demos and technical meetings per week, and who is over
    capacity.
    """
    from pipefit.services.capacity import presales_workload
    from pipefit.views.capacity import workload_view

    config = instance.workspace.config
    pipeline = config.pipelines_by_name()[config.default_pipeline]
    report = presales_workload(
        instance.uow(),
        config.compensation,
        weeks=weeks,
        as_of=parse_time(as_of, "--as-of"),
        stage_order=[s.name for s in pipeline.stages],
    )
    show(out, fmt, workload_view(report))
