"""`report pairs`: win rate, cycle and won revenue per rep-and-presales pair, with the
deals behind each figure, a Wilson 95% interval on the win rate, and whether the pair does
better or worse than its members apart (`domain.metrics.pairs` is the oracle).

With `query.by`, pairs are measured within each group (a pair's members apart, too).
Rows are sorted by the lower end of the win-rate interval (the rate the pair is surely
above), then by the number of decided deals, then by the pair.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from pipefit.analytics.query import ReportQuery, cut_sql
from pipefit.analytics.reports.deal_scope import (
    check_by,
    check_scope,
    period_label_sql,
    scoped_deals_sql,
)
from pipefit.analytics.result import ReportResult
from pipefit.domain.metrics.rates import Z95
from pipefit.domain.periods import parse_period

__all__ = ["COLUMNS", "NAME", "TITLE", "chart", "pairs_sql", "run"]

NAME = "pairs"
TITLE = "Rep and presales pairs: win rate with its interval, cycle and won revenue"
# The relations it reads (the replay of deals to a past moment reads events, changes and
# stages too): the others are not read from the workspace at all.
READS = frozenset({"deals", "events", "changes", "stages"})
# What the terminal shows (views.reports), most important first.
TABLE_COLUMNS = (
    "owner_id",
    "presales_id",
    "deals",
    "win_rate",
    "win_rate_low",
    "win_rate_high",
    "verdict",
    "rep_apart_win_rate",
    "presales_apart_win_rate",
    "median_cycle_days_won",
    "won_revenue",
    "won",
    "lost",
)

COLUMNS = (
    "owner_id",
    "presales_id",
    "deals",
    "won",
    "lost",
    "win_rate",
    "win_rate_low",
    "win_rate_high",
    "cycle_deals",
    "median_cycle_days_won",
    "revenue_deals",
    "won_revenue",
    "rep_apart_decided",
    "rep_apart_win_rate",
    "presales_apart_decided",
    "presales_apart_win_rate",
    "verdict",
)

DEFINITIONS = {
    "win_rate": "won / (won + lost) of the pair's deals; win_rate_low and win_rate_high "
    "bound it (Wilson score interval, 95%) over the won + lost deals behind it",
    "median_cycle_days_won": "median days from creation to close of the pair's won deals "
    "(cycle_deals of them)",
    "won_revenue": "sum of the workspace-currency amounts of the pair's won deals "
    "(revenue_deals of them)",
    "rep_apart_win_rate": "the rep's win rate on deals decided without this presales "
    "engineer (with another or none), over rep_apart_decided deals",
    "presales_apart_win_rate": "the presales engineer's win rate on deals decided with "
    "other reps, over presales_apart_decided deals",
    "verdict": "better: the pair's interval lies wholly above both members' intervals "
    "apart; worse: wholly below both; else no evidence (also when a member has no decided "
    "deal apart)",
}


def _wilson(won: str, n: str, side: str) -> str:
    p = f"(CAST({won} AS DOUBLE) / {n})"
    z2 = f"{Z95 * Z95!r}"
    spread = f"{Z95!r} * SQRT({p} * (1 - {p}) / {n} + {z2} / (4.0 * {n} * {n}))"
    return (
        f"CASE WHEN {n} > 0 THEN ({p} + {z2} / (2.0 * {n}) {side} {spread}) / (1 + {z2} / {n}) END"
    )


def _count(condition: str) -> str:
    return f"CAST(COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS BIGINT)"


def _key_sql(name: str, query: ReportQuery) -> str:
    """A cut's SQL; `period` is a deal's period of close, else of expected close (as kpis'),
    of the kind of the period asked (a quarter by default)."""
    if name == "period":
        kind = parse_period(query.period).kind if query.period is not None else "quarter"
        return period_label_sql("COALESCE(d.closed_at, d.expected_close)", kind)
    return cut_sql(name)


def pairs_sql(query: ReportQuery) -> str:
    groups = [f"{_key_sql(name, query)} AS {name}" for name in query.by]
    group_cols = "".join(f"{g}, " for g in groups)
    names = "".join(f"{n}, " for n in query.by)
    same_r = "".join(f"r.{n} IS NOT DISTINCT FROM p.{n} AND " for n in query.by)
    same_s = "".join(f"s.{n} IS NOT DISTINCT FROM p.{n} AND " for n in query.by)
    order = "".join(f"{n}, " for n in query.by)
    won, lost = "d.outcome = 'won'", "d.outcome = 'lost'"
    return f"""
WITH
d0 AS ({scoped_deals_sql(query)}),
d AS (
    SELECT {group_cols} d.owner_id, d.presales_id, d.outcome, d.amount_home,
           CASE WHEN d.outcome = 'won' THEN
               (EXTRACT(EPOCH FROM d.closed_at) - EXTRACT(EPOCH FROM d.created_at)) / 86400.0
           END AS won_cycle_days
    FROM d0 d
),
-- every (group, rep, presales) combination, a null presales included, for "apart"
combos AS (
    SELECT {names} d.owner_id, d.presales_id,
           {_count(won)} AS won, {_count(lost)} AS lost
    FROM d GROUP BY {names} d.owner_id, d.presales_id
),
p AS (
    SELECT {names} d.owner_id, d.presales_id,
           COUNT(*) AS deals, {_count(won)} AS won, {_count(lost)} AS lost,
           COUNT(d.won_cycle_days) AS cycle_deals,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY d.won_cycle_days)
               AS median_cycle_days_won,
           {_count(f"{won} AND d.amount_home IS NOT NULL")} AS revenue_deals,
           COALESCE(SUM(CASE WHEN {won} THEN d.amount_home END), 0) AS won_revenue
    FROM d
    WHERE d.owner_id IS NOT NULL AND d.presales_id IS NOT NULL
    GROUP BY {names} d.owner_id, d.presales_id
),
-- a member apart: all its deals (in the group) but the pair's own
rep AS (
    SELECT {names} x.owner_id, SUM(x.won) AS won, SUM(x.won + x.lost) AS n
    FROM combos x GROUP BY {names} x.owner_id
),
pre AS (
    SELECT {names} x.presales_id, SUM(x.won) AS won, SUM(x.won + x.lost) AS n
    FROM combos x GROUP BY {names} x.presales_id
),
apart AS (
    SELECT p.*,
           r.won - p.won AS rep_won, r.n - p.won - p.lost AS rep_n,
           s.won - p.won AS pre_won, s.n - p.won - p.lost AS pre_n
    FROM p
    JOIN rep r ON {same_r}r.owner_id = p.owner_id
    JOIN pre s ON {same_s}s.presales_id = p.presales_id
),
bounded AS (
    SELECT apart.*,
           won + lost AS n,
           {_wilson("won", "(won + lost)", "-")} AS low,
           {_wilson("won", "(won + lost)", "+")} AS high,
           {_wilson("rep_won", "rep_n", "-")} AS rep_low,
           {_wilson("rep_won", "rep_n", "+")} AS rep_high,
           {_wilson("pre_won", "pre_n", "-")} AS pre_low,
           {_wilson("pre_won", "pre_n", "+")} AS pre_high
    FROM apart
)
SELECT {names} owner_id, presales_id, deals, won, lost,
       ROUND(CAST(won AS DOUBLE) / NULLIF(n, 0), 4) AS win_rate,
       ROUND(low, 4) AS win_rate_low,
       ROUND(high, 4) AS win_rate_high,
       cycle_deals,
       ROUND(median_cycle_days_won, 4) AS median_cycle_days_won,
       revenue_deals,
       ROUND(won_revenue, 4) AS won_revenue,
       CAST(rep_n AS BIGINT) AS rep_apart_decided,
       ROUND(CAST(rep_won AS DOUBLE) / NULLIF(rep_n, 0), 4) AS rep_apart_win_rate,
       CAST(pre_n AS BIGINT) AS presales_apart_decided,
       ROUND(CAST(pre_won AS DOUBLE) / NULLIF(pre_n, 0), 4) AS presales_apart_win_rate,
       CASE
           WHEN low IS NULL OR rep_low IS NULL OR pre_low IS NULL THEN 'no evidence'
           WHEN low > rep_high AND low > pre_high THEN 'better'
           WHEN high < rep_low AND high < pre_low THEN 'worse'
           ELSE 'no evidence'
       END AS verdict
FROM bounded
ORDER BY {order}COALESCE(low, -1) DESC, n DESC, owner_id, presales_id
"""


def _empty(by: tuple[str, ...]) -> pa.Table:
    columns: dict[str, pa.Array] = {name: pa.array([], pa.string()) for name in by}
    for name in COLUMNS:
        columns[name] = pa.array(
            [], pa.string() if name.endswith(("_id", "verdict")) else pa.float64()
        )
    return pa.table(columns)


def run(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> ReportResult:
    check_by(query, extra=("period",))
    if "pair" in query.by:
        # A pair cut would split every pair into itself: the report is per pair already.
        query = ReportQuery(
            query.as_of,
            tuple(b for b in query.by if b != "pair"),
            query.where,
            query.period,
            query.now,
        )
    if not check_scope(con, query):
        return ReportResult(
            NAME,
            _empty(query.by),
            definitions=DEFINITIONS,
            notes=["the workspace holds no deals yet: no pairs to measure"],
        )
    rows = con.sql(pairs_sql(query)).to_arrow_table()
    notes: list[str] = []
    if rows.num_rows == 0:
        notes.append("no deal in scope has both a rep and a presales engineer: no pairs")
    summary: dict[str, Any] = {
        "pairs": rows.num_rows,
        "better": sum(1 for v in rows.column("verdict").to_pylist() if v == "better"),
        "worse": sum(1 for v in rows.column("verdict").to_pylist() if v == "worse"),
    }
    if query.period is not None:
        notes.append("pairs are measured over every deal in scope, not one period")
    return ReportResult(NAME, rows, summary, DEFINITIONS, notes)


def chart(result: ReportResult) -> Any:
    """Each pair's win rate as a dot with its 95% interval, pairs sorted as in the table."""
    import altair as alt

    records = [
        {**r, "pair": f"{r['owner_id']} + {r['presales_id']}"}
        for r in result.rows.to_pylist()
        if r["win_rate"] is not None
    ]
    data = {"values": records}
    order = [r["pair"] for r in records]
    y = alt.Y("pair:N", sort=order, title="rep + presales")
    interval = (
        alt.Chart(data)
        .mark_rule()
        .encode(
            y=y,
            x=alt.X(
                "win_rate_low:Q",
                title="win rate (95% interval)",
                axis=alt.Axis(format="%", tickCount=5),
            ),
            x2="win_rate_high:Q",
        )
    )
    dots = (
        alt.Chart(data)
        .mark_point(filled=True)
        .encode(
            y=y, x="win_rate:Q", color=alt.Color("verdict:N"), tooltip=["pair:N", "won:Q", "lost:Q"]
        )
    )
    return (interval + dots).properties(title=TITLE)
