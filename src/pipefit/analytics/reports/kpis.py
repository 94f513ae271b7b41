"""`report kpis`: win rate, cycle length, sales velocity, pipeline coverage, growth,
revenue per customer, churn, expansion and customer lifetime value per lane.

The formulas are those of `domain.metrics` (the oracles); the SQL is in `kpis_sql`.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from pipefit.analytics.query import ReportQuery
from pipefit.analytics.reports import kpis_sql as sql
from pipefit.analytics.reports.deal_scope import (
    check_by,
    check_scope,
    default_quarter,
    first_row,
    moment_of,
    report_period,
)
from pipefit.analytics.result import ReportResult
from pipefit.domain.metrics.revenue import previous_period

__all__ = ["HEADLINE", "NAME", "TITLE", "chart", "run"]

NAME = "kpis"
TITLE = "Win rate, cycle, velocity, coverage, growth, churn and lifetime value"
FLAGS = "kpi_flags"  # the temporary table of the deals in scope with their flags
CLOSED = "kpi_closed"  # the won and lost deals in scope, for the tallies by period
JSON_SHAPE = "summary"  # the headline figures at the top, per group under "groups"
# What the terminal shows per group when cut (views.reports); uncut, the figures alone.
TABLE_COLUMNS = (
    "deals",
    "won",
    "lost",
    "open",
    "stalled",
    "win_rate",
    "won_revenue",
    "median_cycle_days_won",
    "sales_velocity_per_day",
    "open_pipeline",
)

# The figures every group carries (and the summary, over all deals in scope).
HEADLINE = (
    "win_rate",
    "won",
    "lost",
    "won_revenue",
    "median_cycle_days_won",
    "sales_velocity_per_day",
)

DEFINITIONS = {
    "win_rate": "won / (won + lost) among the deals in scope; open deals are not decided "
    "yet and stalled deals are counted apart (win_rate_counting_stalled adds them to the "
    "lost)",
    "stalled": "open deals whose time in their current stage (since their last stage "
    "event, else their creation, to the moment of the report) exceeds that stage's p90 of "
    "completed visits (every deal's visits, re-entries included); a stage without "
    "completed visits stalls no deal",
    "won_revenue": "sum of the workspace-currency amounts of won deals (deals without one "
    "are counted in won_without_amount)",
    "median_cycle_days_won": "median days from creation (engagement) to close of won "
    "deals; mean_cycle_days_won is their mean",
    "sales_velocity_per_day": "open deals x win rate x average won amount / mean cycle "
    "days of won deals; sales_velocity_per_month = per day x 30.4375",
    "coverage": "open pipeline expected to close in the period (open deals' expected "
    "close in it) / (quota of the period - revenue won in it), per rep (person quotas), "
    "team (its members' quotas), pool (pool quotas; pipeline of its presales engineers) "
    "and in total; quotas lying inside the period are summed; null without a quota or "
    "once it is reached",
    "growth": "(won revenue of the period - won revenue of the period before) / won "
    "revenue of the period before",
    "revenue_per_customer": "won revenue closed in a period / distinct accounts behind it",
    "churn_rate": "customers lost in the period / customers at its start",
    "expansion_rate": "customers marked expanded / customers won by the moment",
    "lifetime_value": "per lane (industry, segment): revenue per customer-year x margin "
    "rate / churned customers per customer-year",
}


def _records(con: duckdb.DuckDBPyConnection, text: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = con.sql(text).to_arrow_table().to_pylist()
    return rows


def run(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> ReportResult:
    check_by(query, extra=("period",))
    period = report_period(query)
    if not check_scope(con, query):
        return ReportResult(
            NAME,
            pa.table({name: pa.array([], pa.float64()) for name in HEADLINE}),
            summary=dict.fromkeys(HEADLINE),
            definitions=DEFINITIONS,
            notes=["the workspace holds no deals yet: nothing to measure"],
        )
    moment = moment_of(query)
    notes: list[str] = []
    definitions = dict(DEFINITIONS)
    period_kind = period.kind if period is not None else "quarter"
    flags = sql.flags_sql(query, moment, period)
    if period is not None:
        definitions["period"] = (
            f"won and lost deals are those closed in {period.label}; open deals are those "
            f"open at the moment of the report"
        )
    if "period" in query.by:
        definitions["period_group"] = (
            f"a deal's {period_kind}: of its close, else of its expected close"
        )
    # The flags (a window over the whole log) are computed once and read by both tallies.
    con.sql(f"CREATE OR REPLACE TEMP TABLE {FLAGS} AS {flags}")
    try:
        whole = con.sql(sql.kpi_sql(f"SELECT * FROM {FLAGS}", (), period_kind)).to_arrow_table()
        rows = (
            con.sql(sql.kpi_sql(f"SELECT * FROM {FLAGS}", query.by, period_kind)).to_arrow_table()
            if query.by
            else whole
        )
    finally:
        con.sql(f"DROP TABLE IF EXISTS {FLAGS}")
    summary: dict[str, Any] = whole.to_pylist()[0]
    if summary["won_without_amount"]:
        notes.append(
            f"{summary['won_without_amount']} won deals have no amount in the workspace "
            "currency (no amount, or no rate for their currency): left out of won revenue "
            "and the average won amount"
        )
    if summary["unmeasured"]:
        notes.append(
            f"{summary['unmeasured']} open deals sit in stages with no completed visit yet: "
            "no p90 to call them stalled"
        )
    if summary["won"] + summary["lost"] == 0:
        notes.append("no deal in scope was won or lost: win rate and velocity are null")
    con.sql(f"CREATE OR REPLACE TEMP TABLE {CLOSED} AS {sql.closed_deals_sql(query)}")
    try:
        summary["by_period"] = {
            kind: _records(con, sql.periods_sql(CLOSED, kind))
            for kind in ("month", "quarter", "year")
        }
    finally:
        con.sql(f"DROP TABLE IF EXISTS {CLOSED}")
    summary["growth"] = _growth(con, query)
    summary["coverage"] = _coverage(con, query, notes)
    summary.update(_customers(con, query, notes))
    return ReportResult(NAME, rows, summary, definitions, notes)


def _growth(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> dict[str, Any]:
    current = report_period(query) or previous_period(default_quarter(query))
    before = previous_period(current)
    row = first_row(con, sql.won_between_sql(query, [current, before]))
    now, then = float(row[0]), float(row[1])
    return {
        "period": current.label,
        "won_revenue": round(now, 4),
        "previous_period": before.label,
        "previous_won_revenue": round(then, 4),
        "growth": round((now - then) / then, 4) if then else None,
    }


def _coverage(
    con: duckdb.DuckDBPyConnection, query: ReportQuery, notes: list[str]
) -> dict[str, Any]:
    period = report_period(query) or default_quarter(query)
    rows = _records(con, sql.coverage_sql(query, period))
    without = sorted(r["id"] for r in rows if r["level"] == "rep" and r["quota"] is None)
    if not any(r["quota"] is not None for r in rows):
        notes.append(f"no quota lies inside {period.label}: coverage is null")
    elif without:
        notes.append(
            f"reps without a quota in {period.label} (coverage null): {', '.join(without)}"
        )
    return {"period": period.label, "rows": rows}


def _customers(
    con: duckdb.DuckDBPyConnection, query: ReportQuery, notes: list[str]
) -> dict[str, Any]:
    moment = moment_of(query)
    period = report_period(query) or previous_period(default_quarter(query))
    at_start, lost, customers, expanded = first_row(con, sql.churn_sql(moment, period))
    lanes = _records(con, sql.lanes_sql(moment))
    notes.append(
        "net revenue retention is not computed: it needs each customer's revenue per "
        "period, and the workspace keeps one lifetime revenue figure per customer"
    )
    if not customers:
        notes.append(
            "the workspace holds no customer outcomes: churn, expansion and lifetime value are null"
        )
    elif query.by or query.where:
        notes.append(
            "churn, expansion and lifetime value are over all customers: "
            "customer outcomes are not cut by deal attributes"
        )
    if customers:
        notes.append(
            "expansion and lifetime revenue are as the workspace keeps them now "
            "(they are not replayed to a past moment)"
        )
    return {
        "churn": {
            "period": period.label,
            "customers_at_start": at_start,
            "churned": lost or 0,
            "churn_rate": round((lost or 0) / at_start, 4) if at_start else None,
        },
        "expansion_rate": round((expanded or 0) / customers, 4) if customers else None,
        "net_revenue_retention": None,
        "lifetime_value_by_lane": lanes,
    }


def chart(result: ReportResult) -> Any:
    """Win rate and won revenue per quarter of close, one above the other."""
    import altair as alt

    quarters = result.summary.get("by_period", {}).get("quarter", [])
    base = alt.Chart({"values": quarters}).encode(x=alt.X("period:O", title="quarter of close"))
    rate = base.mark_line(point=True).encode(
        y=alt.Y("win_rate:Q", title="win rate", axis=alt.Axis(format="%"))
    )
    revenue = base.mark_bar().encode(y=alt.Y("won_revenue:Q", title="won revenue"))
    return alt.vconcat(rate, revenue).properties(title=TITLE)
