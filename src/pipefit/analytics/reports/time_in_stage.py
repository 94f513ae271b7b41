"""time-in-stage: how long deals stay in each stage and sub-state.

A *visit* is a stay in a stage from the event that entered it to the next event that left
it (`domain.metrics.visits` states it and is the oracle). Every visit counts, including
re-entries after a move backwards; a sub-state change inside a stage starts a new
sub-state visit but not a new stage visit. A history that starts after the deal was
created starts the first visit at the first event (the time before it is not known).

Two tables, chosen by the query's cuts:

- by stage (the default): one record per pipeline, stage and sub-state (`level` "stage"
  with `substate` null for the stage as a whole; `level` "substate" for each sub-state, in
  stages that have any). `visits` and the day figures are over *completed* visits;
  `open_visits` (deals there now) and their time so far up to the as-of moment apart.
  With a period, completed visits are those that *ended* in it; the open ones are those
  of the as-of moment.
- by deal (`by` includes "deal"): each deal's *cumulative* time in each stage over all its
  visits (HubSpot's "cumulative time in stage"): completed time, the open visit's time so
  far, and their sum.

Closing stages (won, lost) have no duration and are not listed.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipefit.analytics.query import ReportQuery
from pipefit.analytics.replay import literal
from pipefit.analytics.reports._stays import Scope, scope, visits_sql
from pipefit.analytics.result import ReportResult
from pipefit.domain.metrics.visits import NO_SUBSTATE

__all__ = ["NAME", "TITLE", "chart", "rounded", "run"]

NAME = "time-in-stage"
TITLE = "Time in stage: completed and open visits per stage and sub-state"
# The relations it reads (the replay of deals to a past moment reads events, changes and
# stages too): the others are not read from the workspace at all.
READS = frozenset({"deals", "events", "changes", "stages"})
JSON_SHAPE = "records"  # a list of records, one per stage and sub-state (or per deal and stage)
DEAL = "deal"  # the cut that asks for each deal's cumulative time per stage
EXTRA_CUTS = (DEAL,)
# What the terminal shows (views.reports): the columns a person reads, most important first.
TABLE_COLUMNS = (
    "pipeline",
    "stage",
    "substate",
    "visits",
    "median_days",
    "mean_days",
    "p75_days",
    "p90_days",
    "open_visits",
    "open_mean_days",
    "open_max_days",
)
TABLE_FACTS = ("completed_visits", "open_visits", "period")

DEFINITIONS = {
    "visit": "a stay in a stage (or sub-state) from the event that entered it to the next "
    "event that left it; re-entries after moving backwards are new visits",
    "visits": "completed visits (ended by a later event)",
    "mean_days": "mean length of the completed visits, in days (seconds / 86,400)",
    "median_days": "median of the completed visits (continuous percentile: linear "
    "interpolation at rank (n - 1) * p, SQL percentile_cont)",
    "p75_days": "75th percentile of the completed visits (continuous)",
    "p90_days": "90th percentile of the completed visits (continuous)",
    "open_visits": "visits still open at the as-of moment (deals in the stage now)",
    "open_mean_days": "mean time so far of the open visits, up to the as-of moment",
}
DEAL_DEFINITIONS = {
    "cumulative_days": "a deal's total time in a stage over all its visits: completed "
    "visits plus the open visit's time so far (HubSpot's cumulative time in stage)",
    "completed_days": "the deal's time in the stage over its completed visits",
    "open_days": "the open visit's time so far, up to the as-of moment (0 when not there)",
}
NOTES = [
    "A deal's first visit starts at its first stage event: time before the log began "
    "(for imported histories that start after the deal was created) is not counted.",
    "Closing stages (won, lost) have no duration and are not listed.",
]


def rounded(table: pa.Table, places: int = 4) -> pa.Table:
    """Every float column rounded to `places` decimals (set at a time, in Arrow)."""
    for i, f in enumerate(table.schema):
        if pa.types.is_floating(f.type):
            table = table.set_column(i, f.name, pc.round(table.column(i), places))
    return table


def _period_filter(s: Scope) -> str:
    if s.period is None:
        return ""
    return (
        f" AND (v.is_open = 1 OR (v.ended_at >= {literal(s.period.start_at)}"
        f" AND v.ended_at < {literal(s.period.end_at)}))"
    )


_BY_STAGE = """
WITH {visits},
with_substates AS (SELECT DISTINCT pipeline, stage FROM v WHERE substate IS NOT NULL),
kept AS (
    SELECT v.*,
           CASE WHEN v.level = 'stage' THEN NULL
                ELSE COALESCE(v.substate, '{none}') END AS label
    FROM v
    WHERE (v.level = 'stage' OR EXISTS (
        SELECT 1 FROM with_substates w WHERE w.pipeline = v.pipeline AND w.stage = v.stage
    )){period}
)
SELECT {keys}pipeline, stage, MIN(position) AS position, level, label AS substate,
       COUNT(*) FILTER (WHERE is_open = 0) AS visits,
       COUNT(DISTINCT opportunity_id) FILTER (WHERE is_open = 0) AS deals,
       AVG(days) FILTER (WHERE is_open = 0) AS mean_days,
       percentile_cont(0.1) WITHIN GROUP (ORDER BY days) FILTER (WHERE is_open = 0)
           AS p10_days,
       percentile_cont(0.25) WITHIN GROUP (ORDER BY days) FILTER (WHERE is_open = 0)
           AS p25_days,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY days) FILTER (WHERE is_open = 0)
           AS median_days,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY days) FILTER (WHERE is_open = 0)
           AS p75_days,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY days) FILTER (WHERE is_open = 0)
           AS p90_days,
       COUNT(*) FILTER (WHERE is_open = 1) AS open_visits,
       AVG(days) FILTER (WHERE is_open = 1) AS open_mean_days,
       MAX(days) FILTER (WHERE is_open = 1) AS open_max_days
FROM kept
GROUP BY {keys}pipeline, stage, level, label
ORDER BY {keys}pipeline, MIN(position), stage, level, label NULLS FIRST
"""

_BY_DEAL = """
WITH {visits}
SELECT {keys}opportunity_id, pipeline, stage, MIN(position) AS position,
       COUNT(*) AS visits,
       COALESCE(SUM(days) FILTER (WHERE is_open = 0), 0.0) AS completed_days,
       COALESCE(SUM(days) FILTER (WHERE is_open = 1), 0.0) AS open_days,
       SUM(days) AS cumulative_days,
       MAX(is_open) = 1 AS in_stage_now,
       MIN(started_at) AS first_entered_at
FROM v
WHERE v.level = 'stage'{period}
GROUP BY {keys}opportunity_id, pipeline, stage
ORDER BY {keys}opportunity_id, pipeline, MIN(position), stage
"""


def run(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> ReportResult:
    s = scope(con, query, extra=(DEAL,))
    by_deal = DEAL in query.by
    template = _BY_DEAL if by_deal else _BY_STAGE
    sql = template.format(
        visits=visits_sql(s),
        keys=s.key_columns("v") if by_deal else "".join(f'"{k}", ' for k in s.keys),
        none=NO_SUBSTATE,
        period=_period_filter(s),
    )
    rows = rounded(con.sql(sql).to_arrow_table())
    notes = list(NOTES)
    if rows.num_rows == 0:
        notes.append("No stage visits match: no deal in this scope has a stage event yet.")
    if by_deal:
        summary: dict[str, Any] = {
            "deals": len(set(rows.column("opportunity_id").to_pylist())),
            "as_of": s.moment.isoformat(),
        }
        return ReportResult(NAME, rows, summary, dict(DEAL_DEFINITIONS), notes)
    stage_rows = rows.filter(pc.equal(rows.column("level"), "stage"))
    summary = {
        "completed_visits": int(pc.sum(stage_rows.column("visits")).as_py() or 0),
        "open_visits": int(pc.sum(stage_rows.column("open_visits")).as_py() or 0),
        "as_of": s.moment.isoformat(),
        "period": s.period.label if s.period is not None else None,
    }
    return ReportResult(NAME, rows, summary, dict(DEFINITIONS), notes)


def chart(result: ReportResult) -> Any:
    """A box per stage: p25-p75 box, the median tick, whiskers p10-p90, in days."""
    import altair as alt

    if "level" not in result.rows.column_names:
        values = result.rows.select(["stage", "position", "cumulative_days"]).to_pylist()
        return (
            alt.Chart({"values": values})
            .mark_boxplot()
            .encode(
                x=alt.X("cumulative_days:Q", title="cumulative days in stage per deal"),
                y=alt.Y("stage:N", sort=alt.EncodingSortField("position"), title=None),
            )
            .properties(title="Cumulative time in stage per deal", width=480)
        )
    rows = result.rows.filter(pc.equal(result.rows.column("level"), "stage"))
    values = [r for r in rows.to_pylist() if r["visits"]]
    base = alt.Chart({"values": values}).encode(
        y=alt.Y("stage:N", sort=alt.EncodingSortField("position"), title=None)
    )
    whiskers = base.mark_rule().encode(
        x=alt.X("p10_days:Q", title="days in stage (completed visits)"), x2="p90_days:Q"
    )
    box = base.mark_bar(size=14).encode(x="p25_days:Q", x2="p75_days:Q")
    median = base.mark_tick(color="white", size=14).encode(
        x="median_days:Q",
        tooltip=["pipeline:N", "stage:N", "visits:Q", "median_days:Q", "p90_days:Q"],
    )
    return (
        alt.layer(whiskers, box, median)
        .facet(row=alt.Row("pipeline:N", title=None))
        .properties(title="Time in stage: p10-p90, the middle half and the median")
    )
