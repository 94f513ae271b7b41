"""`pipefit plan ...`: the presales multiplier, what-if planning and presales workload."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from pipefit.cli.render import emit
from pipefit.domain.errors import PipefitError
from pipefit.domain.money import percent

if TYPE_CHECKING:
    from pipefit.bootstrap import App
    from pipefit.services.capacity import CapacityReport
    from pipefit.store.compensation import SqlCompensation
    from pipefit.store.history import SqlHistory

__all__ = ["register"]

ChartOpt = Annotated[
    Path | None, typer.Option("--chart", help="Also draw it (.png, .svg or .html).")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="End of the history window (default: the latest close)."),
]


def register(app: typer.Typer) -> None:
    app.command("capacity")(capacity)
    app.command("compare")(compare)
    app.command("workload")(workload)


def _sources(instance: App) -> tuple[SqlCompensation, SqlHistory]:
    from pipefit.store.compensation import SqlCompensation
    from pipefit.store.history import SqlHistory

    url = instance.workspace.database_url
    return SqlCompensation(instance.engine, url), SqlHistory(instance.engine, url)


def _chart(chart: Any, path: Path | None, fmt: str) -> None:
    if path is None:
        return
    from pipefit.charts.output import save_chart

    written = save_chart(chart, path)
    if fmt == "table":
        out.print(f"chart written to {written}")


def _usd(amount: Decimal) -> str:
    # A scenario has no workspace currency; the article's figures are in dollars.
    shown = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"${shown}"


def _segment_rows(report: CapacityReport) -> list[dict[str, Any]]:
    rows = []
    for s in report.segments:
        f = s.facts
        rows.append(
            {
                "segment": f.segment,
                "reps": f.reps,
                "presales": f.presales,
                "actual_ratio": s.actual_ratio,
                "norm": s.norm.name if s.norm else None,
                "norm_ratio": s.norm.ratio if s.norm else None,
                "norm_source": s.norm.source if s.norm else None,
                "acv": f.acv,
                "rep_quota": f.rep_quota,
                "influenced_quota": s.actual.influenced_quota if s.actual else None,
                "gain": s.gain,
                "extra_revenue": s.actual.extra_revenue if s.actual else None,
                "influenced_quota_at_norm": s.at_norm.influenced_quota if s.at_norm else None,
                "extra_revenue_at_norm": s.at_norm.extra_revenue if s.at_norm else None,
                "presales_at_norm": s.presales_at_norm,
                "presales_gap": s.presales_gap,
            }
        )
    return rows


def capacity(
    reps_per_presales: Annotated[
        str | None, typer.Option(help="Reps one presales person covers (scenario).")
    ] = None,
    rep_quota: Annotated[str | None, typer.Option(help="A rep's yearly quota (scenario).")] = None,
    gain: Annotated[str | None, typer.Option(help="Productivity gain, e.g. 0.05 for 5%.")] = None,
    as_of: AsOfOpt = None,
    chart: ChartOpt = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The presales multiplier.

    The quota one presales person influences and the extra revenue a productivity gain
    brings. With --reps-per-presales and --rep-quota, one scenario (no workspace needed);
    without, every segment of the workspace's team, at its actual ratio and at the
    configured norm (1:10 high volume low ACV, 1:5 mid).
    """
    from pipefit.services.capacity import capacity_scenario, workspace_capacity

    document: dict[str, Any]
    ratio = parse_amount(reps_per_presales, "--reps-per-presales")
    quota = parse_amount(rep_quota, "--rep-quota")
    chosen_gain = parse_amount(gain, "--gain")
    if (ratio is None) != (quota is None):
        raise PipefitError("give both --reps-per-presales and --rep-quota for a scenario")
    if ratio is not None and quota is not None:
        if chosen_gain is None:
            chosen_gain = Decimal("0.05")
        m = capacity_scenario(ratio, quota, chosen_gain)
        document = {
            "reps_per_presales": m.reps_per_presales,
            "rep_quota": m.rep_quota,
            "influenced_quota": m.influenced_quota,
            "gain": m.gain,
            "extra_revenue": m.extra_revenue,
        }
        if fmt == "table":
            out.print(
                f"1 presales : {m.reps_per_presales:g} reps x {_usd(m.rep_quota)} quota = "
                f"{_usd(m.influenced_quota)} influenced"
            )
            out.print(
                f"{_usd(m.influenced_quota)} x {percent(m.gain)} gain = "
                f"{_usd(m.extra_revenue)} extra revenue, with no new headcount"
            )
        else:
            emit(out, fmt, [document], document=document)
        return
    with open_app(workspace, db) as instance:
        config = instance.workspace.config
        comp, history = _sources(instance)
        report = workspace_capacity(
            history,
            comp,
            config.compensation,
            config.workspace.currency,
            gain=chosen_gain,
            as_of=parse_time(as_of, "--as-of"),
        )
    rows = _segment_rows(report)
    team_extra = sum(
        (s.actual.extra_revenue * s.facts.presales for s in report.segments if s.actual),
        Decimal(0),
    )
    team_influenced = sum(
        (s.actual.influenced_quota * s.facts.presales for s in report.segments if s.actual),
        Decimal(0),
    )
    document = {
        "as_of": report.as_of,
        "window": report.window,
        "quota_year": report.quota_year,
        "segments": rows,
        "influenced_quota": team_influenced,
        "extra_revenue": team_extra,
        "totals": "influenced_quota and extra_revenue above are team totals: per segment, "
        "per presales figures x presales",
    }
    if fmt == "json":
        emit(out, "json", [], document=document)
    elif fmt == "csv":
        emit(out, "csv", rows)
    else:
        # People read a narrower table; json and csv carry every column.
        narrow = [
            {
                "segment": r["segment"],
                "reps": r["reps"],
                "presales": r["presales"],
                "ratio": r["actual_ratio"],
                "norm": f"{r['norm_ratio']} {r['norm']} ({r['norm_source']})"
                if r["norm"]
                else None,
                "avg deal": r["acv"],
                "rep quota": r["rep_quota"],
                "influenced per presales": r["influenced_quota"],
                "gain": percent(r["gain"]),
                "extra revenue per presales": r["extra_revenue"],
                "presales at norm": r["presales_at_norm"],
            }
            for r in rows
        ]
        emit(
            out,
            "table",
            narrow,
            title=f"Presales capacity by segment ({report.window}; quotas of {report.quota_year})",
        )
        if fmt == "table":
            out.print(
                f"A gain on every presales person's influence: {team_extra:,.2f} extra revenue "
                f"a year across the team (quota influenced: {team_influenced:,.2f})"
            )
    if chart is not None:
        from pipefit.charts.capacity import segments_chart

        _chart(segments_chart(report.segments), chart, fmt)


def compare(
    reps: Annotated[int, typer.Option(help="Reps to hire.")] = 1,
    presales: Annotated[int, typer.Option(help="Presales engineers to hire.")] = 1,
    gain: Annotated[
        str | None, typer.Option(help="Presales productivity gain, e.g. 0.05 (default: norm).")
    ] = None,
    team: Annotated[str | None, typer.Option(help="Only this team (default: everyone).")] = None,
    as_of: AsOfOpt = None,
    chart: ChartOpt = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Hire reps, make presales more productive, or hire presales? Side by side.

    Each option's first-year cost and expected revenue (with a range), from the team's own
    win rate, cycle length and deal sizes; the McKinsey ranges are the default
    assumptions, labelled as such.
    """
    from pipefit.services.capacity import plan_team

    with open_app(workspace, db) as instance:
        config = instance.workspace.config
        comp, history = _sources(instance)
        report = plan_team(
            history,
            comp,
            config.compensation,
            config.workspace.currency,
            hire_reps=reps,
            hire_presales=presales,
            gain=parse_amount(gain, "--gain"),
            team=team,
            as_of=parse_time(as_of, "--as-of"),
        )
    f = report.facts
    rows = [
        {
            "option": o.name,
            "headcount": o.headcount,
            "cost": o.cost,
            "revenue_low": o.revenue_low,
            "revenue_expected": o.revenue_expected,
            "revenue_high": o.revenue_high,
            "revenue_per_cost": o.revenue_per_cost,
        }
        for o in report.options
    ]
    history_doc = {
        "team": report.team or "everyone",
        "window": f.window,
        "reps": f.reps,
        "presales": f.presales,
        "bookings": f.bookings,
        "won": f.won,
        "lost": f.lost,
        "win_rate": None if f.win_rate is None else round(float(f.win_rate), 4),
        "cycle_days": f.cycle_days,
        "avg_deal": f.avg_deal,
        "rep_quota": f.rep_quota,
        "rep_ote": f.rep_ote,
        "presales_ote": f.presales_ote,
        "presales_needed": None
        if f.presales_needed is None
        else f.presales_needed.quantize(Decimal("0.1")),
        "norm": report.norm,
    }
    if fmt == "json":
        document = {
            "history": history_doc,
            "options": [
                dict(r, how=list(o.how)) for r, o in zip(rows, report.options, strict=True)
            ],
            "assumptions": report.assumptions,
        }
        emit(out, "json", [], document=document)
    elif fmt == "csv":
        emit(out, "csv", rows)
    else:
        emit(
            out,
            "table",
            [{"from the history": k, "value": v} for k, v in history_doc.items()],
            title="The team",
        )
        emit(out, "table", rows, title="Options, first year")
        for o in report.options:
            out.print(f"{o.name}:")
            for line in o.how:
                out.print(f"  - {line}")
        out.print("Assumptions (not from the history):")
        for line in report.assumptions:
            out.print(f"  - {line}")
    if chart is not None:
        from pipefit.charts.capacity import whatif_chart

        _chart(whatif_chart(report.options), chart, fmt)


def workload(
    weeks: Annotated[
        int | None, typer.Option(help="Weeks of meetings to average (default: config).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="End of the window (default: latest activity).")
    ] = None,
    workspace: WorkspaceOpt = None,
    db: DbOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Presales workload from the pipeline.

    Open deals per engineer by stage, demos and technical meetings per week, and who is over
    capacity.
    """
    from pipefit.services.capacity import presales_workload

    with open_app(workspace, db) as instance:
        config = instance.workspace.config
        comp, history = _sources(instance)
        pipeline = config.pipelines_by_name()[config.default_pipeline]
        report = presales_workload(
            history,
            comp,
            config.compensation,
            weeks=weeks,
            as_of=parse_time(as_of, "--as-of"),
            stage_order=[s.name for s in pipeline.stages],
        )
    rows = []
    for load in report.loads:
        row: dict[str, Any] = {"presales": load.person_id, "name": load.name}
        row |= {stage: load.open_by_stage.get(stage, 0) for stage in report.stages}
        row |= {
            "open_deals": load.open_deals,
            "meetings_per_week": load.meetings_per_week,
            "over_capacity": "; ".join(load.over),
        }
        rows.append(row)
    if fmt == "json":
        emit(
            out,
            "json",
            [],
            document={
                "as_of": report.as_of,
                "weeks": report.weeks,
                "limits": report.limits,
                "presales": rows,
                "over_capacity": [r["presales"] for r in rows if r["over_capacity"]],
            },
        )
        return
    emit(
        out,
        fmt,
        rows,
        title=f"Presales workload ({report.weeks} weeks to {report.as_of:%Y-%m-%d}); "
        f"capacity: {report.limits}",
    )
