"""forecast-backtest: the forecast replayed as it stood at the start of each of the last N
complete periods (the log replayed to that moment, win rates learned only from deals
closed by then: no look-ahead), against what was won in the period; side by side with a
stage-weighted forecast with fixed probabilities and a run-rate forecast. The formulas:
`domain.metrics.backtest` (WAPE, bias, share within 10%) and `domain.metrics.forecast`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from pipefit.analytics.engine import fetch
from pipefit.analytics.query import ReportQuery
from pipefit.analytics.replay import CHANGE_INDEX, EVENT_INDEX, deals_as_of_indexed, literal
from pipefit.analytics.reports.forecast import (
    MOVES,
    check_start,
    check_where,
    cuts_of,
    forecast_sql,
    history_periods,
    moment,
    previous,
    where_sql,
)
from pipefit.analytics.result import ReportResult
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.backtest import TOLERANCE
from pipefit.domain.metrics.forecast import HISTORY_PERIODS
from pipefit.domain.periods import Period, parse_period, period_of

__all__ = ["DEFAULT_PERIODS", "NAME", "TITLE", "chart", "run"]

NAME = "forecast-backtest"
TITLE = "Forecast backtest: the forecast at the start of each past period against what closed"
# What the terminal shows (views.reports); the track record comes from the summary.
TABLE_COLUMNS = ("period", "actual", "learned", "fixed", "run_rate")
DEFAULT_PERIODS = 8
READS = ("deals", "events", "changes", "stages", "forecast_overrides")  # the forecast's
METHODS = ("learned", "fixed", "run_rate")

DEFINITIONS = {
    "learned": (
        "the forecast report's expected revenue for the period, as of its first instant: "
        "open deals x win rates learned from deals closed by then, plus pipeline not yet "
        "created"
    ),
    "fixed": (
        "open deals expected to close in the period (or overdue) x a fixed probability per "
        "stage: its rank among its pipeline's open stages / (open stages + 1)"
    ),
    "run_rate": "the revenue won in the period before",
    "actual": "the revenue of deals won in the period, as the log stood at its end",
    "wape": "sum |forecast - actual| / sum actual over the periods (null: nothing won)",
    "bias": "(sum forecast - sum actual) / sum actual (positive: forecasts ran high)",
    "within_10": (
        f"share of periods whose forecast was within {TOLERANCE:.0%} of the actual (a period "
        "that won nothing counts only if nothing was forecast)"
    ),
}


def periods_to_test(query: ReportQuery, count: int) -> list[Period]:
    """The `count` complete periods before as_of (ending with `query.period` if named)."""
    at = moment(query)
    if query.period is not None:
        try:
            last = parse_period(query.period)
        except PipefitError as exc:
            raise PipefitError(exc.message, field="period") from None
        if last.end_at > at:
            raise PipefitError(
                f"{last.label} had not ended by {at:%Y-%m-%d}: nothing to compare with yet",
                field="period",
            )
    else:
        last = previous(period_of(at, "quarter"))
    found = [last]
    while len(found) < count:
        found.insert(0, previous(found[0]))
    return found


def run(
    con: duckdb.DuckDBPyConnection, query: ReportQuery, periods: int = DEFAULT_PERIODS
) -> ReportResult:
    at = moment(query)
    cuts = cuts_of(query)
    first = check_start(con, at)
    where = where_sql(query, "d")
    check_where(con, query, at, where)
    notes: list[str] = []
    tested = [p for p in periods_to_test(query, periods) if p.end_at > first]
    if len(tested) < periods:
        notes.append(
            f"{periods - len(tested)} of the {periods} periods asked for end before the "
            "first event: left out"
        )
    if not tested:
        raise PipefitError(
            f"no complete period between the first event ({first:%Y-%m-%d}) and "
            f"{at:%Y-%m-%d}: nothing to backtest",
            field="as_of",
        )
    parts = _periods(con, tested, first, cuts, where)
    con.register("backtest_periods", pa.concat_tables(parts))
    keys = ", ".join(cuts)
    rows = fetch(
        con,
        f"""
SELECT {keys + ", " if cuts else ""}period, period_start,
       ROUND(learned, 4) AS learned, ROUND(fixed, 4) AS fixed,
       ROUND(run_rate, 4) AS run_rate, ROUND(actual, 4) AS actual
FROM backtest_periods ORDER BY period_start{", " + keys if cuts else ""}""",
    )
    tracks = fetch(con, _track_sql(cuts))
    con.unregister("backtest_periods")
    empty = [r["period"] for r in rows.to_pylist() if not r["actual"] and not r["learned"]]
    if empty and not cuts:
        notes.append(f"no deal was forecast or won in {', '.join(empty)}")
    summary: dict[str, Any] = {
        "as_of": at.isoformat(),
        "periods": [p.label for p in tested],
        "track": [_plain(r) for r in tracks.to_pylist()],
    }
    return ReportResult(NAME, rows, summary, dict(DEFINITIONS), notes)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}


# The deal columns the forecast and the cuts read (a replayed moment is held as a table:
# the narrower, the cheaper).
KEPT = ", ".join(
    [
        "opportunity_id", "pipeline", "stage", "outcome", "amount_home", "created_at",
        "closed_at", "expected_close", "owner_id", "presales_id", "team_id", "segment",
        "source", "product",
    ]
)  # fmt: skip


def _periods(
    con: duckdb.DuckDBPyConnection,
    periods: list[Period],
    first: Any,
    cuts: tuple[str, ...],
    where: str,
) -> list[pa.Table]:
    """Each period's forecasts and what it won. The deals are replayed once per moment
    (each period's start; the last one's end), kept while the periods on either side of
    it need them: 9 replays for 8 consecutive periods, not 3 a period; and each replay is
    a filter over the log indexed once (`analytics.replay.deals_as_of_indexed`)."""
    found: list[pa.Table] = []
    held: dict[datetime, str] = {}
    made = iter(range(len(periods) + 1))
    # the log and the changes with their neighbours in time, once: each replay a filter
    con.execute(f"CREATE TEMP TABLE backtest_events AS {EVENT_INDEX}")
    con.execute(f"CREATE TEMP TABLE backtest_changes AS {CHANGE_INDEX}")
    con.execute(f"CREATE TEMP TABLE backtest_moves AS {MOVES.format(events='events')}")

    def replayed(at: datetime) -> str:
        if at not in held:
            name = f"backtest_deals_{next(made)}"
            replay = deals_as_of_indexed(at, "backtest_events", "backtest_changes")
            con.execute(f"CREATE TEMP TABLE {name} AS SELECT {KEPT} FROM ({replay}) AS r")
            held[at] = name
        return held[at]

    try:
        for period in periods:
            start, end = replayed(period.start_at), replayed(period.end_at)
            found.append(_period(con, period, first, cuts, where, start, end))
            # a moment no later period needs is let go
            for at in [a for a in held if a < period.end_at]:
                con.execute(f"DROP TABLE {held.pop(at)}")
    finally:
        for name in [*held.values(), "backtest_events", "backtest_changes", "backtest_moves"]:
            con.execute(f"DROP TABLE {name}")
    return found


def _period(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    first: Any,
    cuts: tuple[str, ...],
    where: str,
    deals_at_start: str,
    deals_at_end: str,
) -> pa.Table:
    """One period's three forecasts (as of its start) and what it won (as of its end),
    from the deals replayed to those two moments (tables)."""
    start = period.start_at
    history = history_periods(period.kind, start, first, HISTORY_PERIODS)
    before = previous(period)
    keys = "".join(f"{c}, " for c in cuts)
    cut_cols = "".join(f"{_cut(c)} AS {c}, " for c in cuts)
    join = " AND ".join(f"a.{c} IS NOT DISTINCT FROM b.{c}" for c in cuts) or "1 = 1"
    sql = f"""
WITH
f AS ({
        forecast_sql(
            start,
            [period],
            history,
            cuts,
            where,
            deals_then=deals_at_start,
            moves_from="backtest_moves",
        )
    }),
won_then AS (
    SELECT {cut_cols}d.amount_home, d.closed_at
    FROM {deals_at_end} AS d
    WHERE d.outcome = 'won' AND d.amount_home IS NOT NULL AND {where}
),
actual AS (
    SELECT {keys}SUM(amount_home) AS amount FROM won_then
    WHERE closed_at >= {literal(period.start_at)} AND closed_at < {literal(period.end_at)}
    {"GROUP BY " + ", ".join(cuts) if cuts else ""}
),
won_before AS (
    SELECT {cut_cols}d.amount_home, d.closed_at
    FROM {deals_at_start} AS d
    WHERE d.outcome = 'won' AND d.amount_home IS NOT NULL AND {where}
),
run_rate AS (
    SELECT {keys}SUM(amount_home) AS amount FROM won_before
    WHERE closed_at >= {literal(before.start_at)} AND closed_at < {literal(before.end_at)}
    {"GROUP BY " + ", ".join(cuts) if cuts else ""}
),
forecasts AS (SELECT {keys}expected AS learned, expected_fixed AS fixed FROM f),
groups AS (
    SELECT {keys}1 AS one FROM forecasts UNION SELECT {keys}1 FROM actual
    UNION SELECT {keys}1 FROM run_rate
)
SELECT {"".join(f"b.{c} AS {c}, " for c in cuts)}'{period.label}' AS period,
       {literal(period.start_at)} AS period_start,
       COALESCE(a.learned, 0) AS learned, COALESCE(a.fixed, 0) AS fixed,
       COALESCE(r.amount, 0) AS run_rate, COALESCE(x.amount, 0) AS actual
FROM groups b
LEFT JOIN forecasts a ON {join}
LEFT JOIN run_rate r ON {join.replace("a.", "r.")}
LEFT JOIN actual x ON {join.replace("a.", "x.")}
"""
    return fetch(con, sql)


def _cut(name: str) -> str:
    from pipefit.analytics.query import cut_sql

    return cut_sql(name, "d")


def _track_sql(cuts: tuple[str, ...]) -> str:
    """WAPE, bias and share within 10% per method, per group and in total."""
    keys = ", ".join(cuts)
    selects = []
    levels = [cuts] if not cuts else [cuts, ()]
    for level in levels:
        cols = "".join(f"{c}, " for c in level) + "".join(
            f"CAST(NULL AS VARCHAR) AS {c}, " for c in cuts if c not in level
        )
        group = f"GROUP BY {', '.join(level)}" if level else ""
        for method in METHODS:
            selects.append(
                f"""SELECT {cols}'{method}' AS method, COUNT(*) AS periods,
       SUM({method}) AS forecast, SUM(actual) AS actual,
       CASE WHEN SUM(actual) = 0 THEN NULL
            ELSE SUM(ABS({method} - actual)) / SUM(actual) END AS wape,
       CASE WHEN SUM(actual) = 0 THEN NULL
            ELSE (SUM({method}) - SUM(actual)) / SUM(actual) END AS bias,
       AVG(CASE WHEN ABS({method} - actual) <= {TOLERANCE!r} * ABS(actual) + 1e-9
                THEN 1.0 ELSE 0.0 END) AS within_10
FROM ({_summed(cuts, level)}) AS s {group}"""
            )
    order = f"{keys + ', ' if keys else ''}method"
    return " UNION ALL ".join(selects) + f" ORDER BY {order}"


def _summed(cuts: tuple[str, ...], level: tuple[str, ...]) -> str:
    """Per period at `level` (the total sums the groups of each period first)."""
    if level == cuts:
        return "SELECT * FROM backtest_periods"
    return (
        "SELECT period, SUM(learned) AS learned, SUM(fixed) AS fixed, "
        "SUM(run_rate) AS run_rate, SUM(actual) AS actual FROM backtest_periods GROUP BY period"
    )


def chart(result: ReportResult) -> Any:
    """Each method's forecast against the actual, period by period."""
    import altair as alt

    values = []
    for row in result.rows.to_pylist():
        for series in (*METHODS, "actual"):
            values.append({"period": row["period"], "series": series, "amount": row[series]})
    data = alt.Data(values=values)  # type: ignore[no-untyped-call]
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("period:N", sort=None, title="period"),
            y=alt.Y("amount:Q", title="won revenue"),
            color=alt.Color("series:N", title="forecast / actual"),
        )
        .properties(title="Forecast vs actual, as forecast at the start of each period")
    )
