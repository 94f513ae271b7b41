"""Charts of the web pages that no report module draws itself: the KPIs over time (win
rate and sales velocity per period of close) and pipeline coverage per rep, over the
figures of one kpis result; and the capacity planner's options. Vega-Altair specs over
figures already computed, nothing recomputed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipefit.analytics.result import ReportResult
from pipefit.domain.planning import Option

__all__ = [
    "coverage_chart",
    "coverage_rows",
    "options_chart",
    "trend_chart",
    "trend_rows",
]


def trend_rows(result: ReportResult) -> list[dict[str, Any]]:
    """The kpis rows cut by period that hold a period, in period order."""
    rows = [r for r in result.rows.to_pylist() if r.get("period") is not None]
    return sorted(rows, key=lambda r: str(r["period"]))


def trend_chart(result: ReportResult) -> Any:
    """Win rate and sales velocity per period of close, one above the other (a line per
    group when the result is cut by more than the period)."""
    import altair as alt

    rows = trend_rows(result)
    cuts = [
        c
        for c in result.rows.column_names
        if c != "period" and c in ("pipeline", "segment", "team", "rep", "presales", "pair",
                                   "product", "source")
    ]  # fmt: skip
    values = [
        {
            "period": r["period"],
            "group": " / ".join(str(r[c]) for c in cuts) or "all",
            "win_rate": r.get("win_rate"),
            "sales_velocity_per_month": r.get("sales_velocity_per_month"),
            "won": r.get("won"),
            "lost": r.get("lost"),
        }
        for r in rows
    ]
    base = alt.Chart(alt.Data(values=values)).encode(  # type: ignore[no-untyped-call]
        x=alt.X("period:O", title="period of close"),
        color=alt.Color("group:N", title=None, legend=None if not cuts else alt.Legend()),
    )
    rate = base.mark_line(point=True).encode(
        y=alt.Y("win_rate:Q", title="win rate", axis=alt.Axis(format="%")),
        tooltip=["period:O", "group:N", alt.Tooltip("win_rate:Q", format=".1%"), "won:Q",
                 "lost:Q"],
    )  # fmt: skip
    velocity = base.mark_line(point=True).encode(
        y=alt.Y("sales_velocity_per_month:Q", title="sales velocity (per month)"),
        tooltip=["period:O", "group:N", alt.Tooltip("sales_velocity_per_month:Q", format=",.0f")],
    )
    return alt.vconcat(
        rate.properties(width=480, height=180), velocity.properties(width=480, height=180)
    ).properties(title="Win rate and sales velocity per period of close")


def coverage_rows(result: ReportResult) -> list[dict[str, Any]]:
    """The coverage records of a kpis result (rep, team, pool and total)."""
    coverage = result.summary.get("coverage") or {}
    return list(coverage.get("rows") or [])


def coverage_chart(result: ReportResult) -> Any:
    """Per rep: open pipeline expected to close in the period beside the quota still to
    reach (absent where the quota is not shown), and the coverage they make."""
    import altair as alt

    coverage = result.summary.get("coverage") or {}
    values = []
    for r in coverage_rows(result):
        if r["level"] != "rep":
            continue
        for measure, key in (("open pipeline", "open_pipeline"), ("quota to reach",
                                                                  "quota_remaining")):  # fmt: skip
            if r.get(key) is not None:
                values.append(
                    {"rep": r["id"], "measure": measure, "amount": r[key],
                     "coverage": r.get("coverage")}
                )  # fmt: skip
    return (
        alt.Chart(alt.Data(values=values))  # type: ignore[no-untyped-call]
        .mark_bar()
        .encode(
            y=alt.Y("rep:N", title=None),
            yOffset="measure:N",
            x=alt.X("amount:Q", title="amount"),
            color=alt.Color("measure:N", title=None),
            tooltip=[
                "rep:N",
                "measure:N",
                alt.Tooltip("amount:Q", format=",.0f"),
                alt.Tooltip("coverage:Q", format=".2f"),
            ],
        )
        .properties(title=f"Coverage per rep, {coverage.get('period', '')}", width=420)
    )


def options_chart(options: Sequence[Option], *, with_cost: bool) -> Any:
    """The planner's options: expected first-year revenue with its range, and the cost
    beside it only for whoever may read the pay it is made of."""
    import altair as alt

    values: list[dict[str, Any]] = []
    for o in options:
        if with_cost:
            values.append({"option": o.name, "measure": "cost (year one)", "amount": float(o.cost)})
        values.append(
            {"option": o.name, "measure": "expected revenue (year one)",
             "amount": float(o.revenue_expected), "low": float(o.revenue_low),
             "high": float(o.revenue_high)}
        )  # fmt: skip
    data = alt.Data(values=values)  # type: ignore[no-untyped-call]
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("option:N", title=None, sort=[o.name for o in options]),
            yOffset="measure:N",
            x=alt.X("amount:Q", title="amount, first year"),
            color=alt.Color("measure:N", title=None),
            tooltip=[
                "option:N",
                "measure:N",
                alt.Tooltip("amount:Q", format=",.0f"),
                alt.Tooltip("low:Q", format=",.0f"),
                alt.Tooltip("high:Q", format=",.0f"),
            ],
        )
    )
    ranges = (
        alt.Chart(data)
        .transform_filter("isValid(datum.low)")
        .mark_rule()
        .encode(
            y=alt.Y("option:N", sort=[o.name for o in options]),
            yOffset="measure:N",
            x="low:Q",
            x2="high:Q",
        )
    )
    return alt.layer(bars, ranges).properties(
        title="What-if: hire reps, make presales more productive, or hire presales", width=460
    )
