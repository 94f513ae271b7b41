"""What `plan ...` shows: the presales multiplier (a scenario, or the workspace's segments),
the planning options side by side, and the presales workload.

People read narrower tables and sentences; JSON and CSV carry every figure as a plain
value. Where the two differ, a function takes `for_people`."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from pipefit.domain.capacity import Multiplier, hundredths
from pipefit.domain.money import percent
from pipefit.services.capacity import CapacityReport, PlanningReport, WorkloadReport
from pipefit.views.shapes import Column, Kind, Table, View

__all__ = ["capacity_view", "options_view", "scenario_view", "workload_view"]

_MONEY = Kind.MONEY


def _usd(amount: Decimal) -> str:
    # A scenario has no workspace currency; the article's figures are in dollars.
    shown = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"${shown}"


def scenario_view(m: Multiplier, *, for_people: bool) -> View:
    """One scenario: two sentences for people; one row of figures for scripts."""
    if for_people:
        return View(
            title=(
                f"1 presales : {m.reps_per_presales:g} reps x {_usd(m.rep_quota)} quota = "
                f"{_usd(m.influenced_quota)} influenced\n"
                f"{_usd(m.influenced_quota)} x {percent(m.gain)} gain = "
                f"{_usd(m.extra_revenue)} extra revenue, with no new headcount"
            )
        )
    row = {
        "reps_per_presales": m.reps_per_presales,
        "rep_quota": m.rep_quota,
        "influenced_quota": m.influenced_quota,
        "gain": m.gain,
        "extra_revenue": m.extra_revenue,
    }
    columns = (
        Column("reps_per_presales", Kind.NUMBER),
        Column("rep_quota", _MONEY),
        Column("influenced_quota", _MONEY),
        Column("gain", Kind.RATIO),
        Column("extra_revenue", _MONEY),
    )
    return View(tables=[Table(columns, [row], name="scenario")], document=row)


_SEGMENT_COLUMNS = (
    Column("segment"),
    Column("reps", Kind.INT),
    Column("presales", Kind.INT),
    Column("actual_ratio"),
    Column("norm"),
    Column("norm_ratio"),
    Column("norm_source"),
    Column("acv", _MONEY),
    Column("rep_quota", _MONEY),
    Column("influenced_quota", _MONEY),
    Column("gain", Kind.RATIO),
    Column("extra_revenue", _MONEY),
    Column("influenced_quota_at_norm", _MONEY),
    Column("extra_revenue_at_norm", _MONEY),
    Column("presales_at_norm", Kind.NUMBER),
    Column("presales_gap", Kind.NUMBER),
)

_NARROW_COLUMNS = (
    Column("segment"),
    Column("reps", Kind.INT),
    Column("presales", Kind.INT),
    Column("ratio"),
    Column("norm"),
    Column("avg_deal", _MONEY, "avg deal"),
    Column("rep_quota", _MONEY, "rep quota"),
    Column("influenced_quota", _MONEY, "influenced per presales"),
    Column("gain"),
    Column("extra_revenue", _MONEY, "extra revenue per presales"),
    Column("presales_at_norm", Kind.NUMBER, "presales at norm"),
)


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


def _narrow(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "segment": row["segment"],
        "reps": row["reps"],
        "presales": row["presales"],
        "ratio": row["actual_ratio"],
        "norm": f"{row['norm_ratio']} {row['norm']} ({row['norm_source']})"
        if row["norm"]
        else None,
        "avg_deal": row["acv"],
        "rep_quota": row["rep_quota"],
        "influenced_quota": row["influenced_quota"],
        "gain": percent(row["gain"]),
        "extra_revenue": row["extra_revenue"],
        "presales_at_norm": row["presales_at_norm"],
    }


def _basis(report: CapacityReport) -> str:
    """Why this figure and the planning comparison's differ: quota here, bookings there."""
    share = f", {report.bookings / report.quota * 100:.1f}% of it" if report.quota else ""
    return (
        f"Basis: quota (the article's multiplier: covered reps' quota {report.quota:,.2f} x "
        f"each segment's gain). `plan compare` values gains on bookings, what the team "
        f"closed ({report.bookings:,.2f} in the window{share}): the same gains on bookings "
        f"are {report.extra_revenue_on_bookings:,.2f}"
    )


def capacity_view(report: CapacityReport, *, for_people: bool) -> View:
    """The workspace's segments: for people a narrower table and the team's total; for
    scripts every column, with the team's totals and window in the JSON document."""
    rows = _segment_rows(report)
    if for_people:
        table = Table(
            _NARROW_COLUMNS,
            [_narrow(r) for r in rows],
            title=f"Presales capacity by segment ({report.window}; quotas of {report.quota_year})",
            name="segments",
        )
        note = (
            f"A gain on every presales person's influence: {report.extra_revenue:,.2f} "
            f"extra revenue a year across the team (quota influenced: "
            f"{report.influenced_quota:,.2f})"
        )
        return View(tables=[table], notes=[note, _basis(report)])
    document = {
        "as_of": report.as_of,
        "window": report.window,
        "quota_year": report.quota_year,
        "segments": rows,
        "influenced_quota": report.influenced_quota,
        "extra_revenue": report.extra_revenue,
        "quota": report.quota,
        "bookings": report.bookings,
        "extra_revenue_on_bookings": report.extra_revenue_on_bookings,
        "basis": _basis(report),
        "totals": "influenced_quota and extra_revenue above are team totals: per segment, "
        "per presales figures x presales",
    }
    return View(tables=[Table(_SEGMENT_COLUMNS, rows, name="segments")], document=document)


_OPTION_COLUMNS = (
    Column("option"),
    Column("headcount", Kind.INT),
    Column("cost", _MONEY),
    Column("revenue_low", _MONEY),
    Column("revenue_expected", _MONEY),
    Column("revenue_high", _MONEY),
    Column("revenue_per_cost", Kind.NUMBER),
    Column("cost_basis"),
)


def _team_facts(report: PlanningReport) -> dict[str, Any]:
    f = report.facts
    return {
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
        "presales_needed": None if f.presales_needed is None else hundredths(f.presales_needed),
        "presales_needed_by_workload": None
        if f.workload is None or f.workload.needed is None
        else hundredths(f.workload.needed),
        "open_deals_over_limit": None if f.workload is None else f.workload.overload,
        "norm": report.norm,
    }


def _listed(heading: str, lines: Sequence[str]) -> str:
    return "\n".join([heading, *(f"  - {line}" for line in lines)])


def options_view(report: PlanningReport) -> View:
    """The team as its history shows it, the options side by side (CSV: the options), how
    each was computed and the assumptions."""
    team = _team_facts(report)
    rows = [
        {
            "option": o.name,
            "headcount": o.headcount,
            "cost": o.cost,
            "revenue_low": o.revenue_low,
            "revenue_expected": o.revenue_expected,
            "revenue_high": o.revenue_high,
            "revenue_per_cost": o.revenue_per_cost,
            "cost_basis": o.cost_basis,
        }
        for o in report.options
    ]
    document = {
        "history": team,
        "options": [dict(r, how=list(o.how)) for r, o in zip(rows, report.options, strict=True)],
        "assumptions": report.assumptions,
    }
    # Each figure of the team in its own row, as people have always read it.
    facts = Table(
        (Column("from the history"), Column("value")),
        [{"from the history": k, "value": v} for k, v in team.items()],
        title="The team",
        name="history",
    )
    options = Table(_OPTION_COLUMNS, rows, title="Options, first year", name="options")
    # One note per option (how it was computed), then the assumptions, a line per item.
    notes = [_listed(f"{o.name}:", o.how) for o in report.options]
    notes.append(_listed("Assumptions (not from the history):", report.assumptions))
    return View(tables=[facts, options], notes=notes, document=document, csv="options")


def workload_view(report: WorkloadReport) -> View:
    """Each presales engineer's open deals by stage, meetings a week and why they are over."""
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
    columns = (
        Column("presales"),
        Column("name"),
        *(Column(stage, Kind.INT) for stage in report.stages),
        Column("open_deals", Kind.INT),
        Column("meetings_per_week", Kind.NUMBER),
        Column("over_capacity"),
    )
    table = Table(
        columns,
        rows,
        title=f"Presales workload ({report.weeks} weeks to {report.as_of:%Y-%m-%d}); "
        f"capacity: {report.limits}",
        name="presales",
    )
    document = {
        "as_of": report.as_of,
        "weeks": report.weeks,
        "limits": report.limits,
        "presales": rows,
        "over_capacity": [r["presales"] for r in rows if r["over_capacity"]],
    }
    return View(tables=[table], document=document)
