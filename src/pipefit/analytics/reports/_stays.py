"""What the time-in-stage, friction and signals reports share (not a report itself): the
checks of a query (cuts, filters, the as-of moment) and the SQL of stage visits.

The visits SQL states `domain.metrics.visits` set at a time: each deal's events in time
order (ties by sequence), a stage visit starting at the first event and at each change of
stage, a sub-state visit also at each change of sub-state inside a stage; a visit ends at
the next start of the same level, or is open at the as-of moment. Only visits to open
stages are kept (closing stages have no duration).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from pipefit.analytics.query import CUTS, ReportQuery, cut_sql
from pipefit.analytics.replay import deals_as_of, events_as_of, literal
from pipefit.domain.errors import PipefitError
from pipefit.domain.periods import Period, parse_period

__all__ = ["Scope", "quote", "scope", "visits_sql"]


def quote(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Scope:
    """A checked query: the moment figures run to, the cuts grouped by, the period."""

    query: ReportQuery
    moment: datetime  # open visits run to it (the as-of moment, else now)
    keys: tuple[str, ...]  # cut columns grouped by, besides the pipeline
    period: Period | None
    period_kind: str  # of the "period" cut: the query's period's kind, else quarter

    @property
    def t(self) -> str:
        return literal(self.moment)

    def deals_sql(self, columns: Sequence[str] = ()) -> str:
        """The deals as of the moment, filtered, with a column per cut (named as the cut)."""
        cuts = [f'{cut_sql(k)} AS "{k}"' for k in self.keys if k != "period"]
        plain = [f"d.{c}" for c in columns if c not in self.keys]  # a cut may name it too
        kept = ", ".join(["d.opportunity_id", *plain, *cuts])
        filters = [
            f"{cut_sql(name)} IN ({', '.join(quote(v) for v in values)})"
            for name, values in sorted(self.query.where.items())
        ]
        where = " AND ".join(filters) if filters else "1 = 1"
        return f"SELECT {kept} FROM ({deals_as_of(self.query.as_of)}) d WHERE {where}"

    def period_label(self, expr: str) -> str:
        """The label of the period (of `period_kind`) holding the moment `expr`."""
        year = f"CAST(EXTRACT(YEAR FROM {expr}) AS VARCHAR)"
        if self.period_kind == "year":
            return year
        if self.period_kind == "quarter":
            return f"{year} || 'Q' || CAST(EXTRACT(QUARTER FROM {expr}) AS VARCHAR)"
        return f"{year} || '-' || LPAD(CAST(EXTRACT(MONTH FROM {expr}) AS VARCHAR), 2, '0')"

    def key_columns(self, alias: str) -> str:
        """`alias."segment", alias."rep", ...` followed by a comma, or nothing."""
        return "".join(f'{alias}."{k}", ' for k in self.keys)


def scope(
    con: duckdb.DuckDBPyConnection,
    query: ReportQuery,
    *,
    periods: bool = True,
    extra: Sequence[str] = (),
) -> Scope:
    """Check a query against the data; raise a PipefitError naming the field at fault."""
    allowed = [*CUTS, *(["period"] if periods else []), *extra]
    for name in query.by:
        if name not in allowed:
            raise PipefitError(
                f"cannot cut by '{name}'; the cuts are: {', '.join(allowed)}", field="report.by"
            )
    for name, values in query.where.items():
        if name not in CUTS:
            raise PipefitError(
                f"cannot filter on '{name}'; the filters are: {', '.join(CUTS)}",
                field="report.where",
            )
        if not values:
            raise PipefitError(f"the filter on '{name}' names no value", field="report.where")
    try:
        period = parse_period(query.period) if query.period is not None else None
    except PipefitError as error:
        raise PipefitError(error.message, field="period") from None
    if period is not None and not periods:
        raise PipefitError("this report has no periods", field="period")
    at = query.as_of or query.now or datetime.now(UTC)
    if at.tzinfo is None:
        raise PipefitError("the as-of moment needs a time zone", field="report.as_of")
    if query.as_of is not None:
        first = con.sql('SELECT MIN("at") FROM events').fetchall()[0][0]
        if first is not None and query.as_of < first:
            raise PipefitError(
                f"as of {query.as_of.date().isoformat()} the stage log is empty: its first "
                f"event is on {first.date().isoformat()}",
                field="report.as_of",
            )
    keys = tuple(k for k in dict.fromkeys(query.by) if k != "pipeline" and k not in extra)
    return Scope(
        query=query,
        moment=at.astimezone(UTC),
        keys=keys,
        period=period,
        period_kind=period.kind if period is not None else "quarter",
    )


_VISITS = """
d AS ({deals}),
e AS ({events}),
ordered AS (
    SELECT e.opportunity_id, e.seq, e.pipeline, e.to_stage AS stage, e.substate,
           e.category, e.position, e."at",
           CASE WHEN ROW_NUMBER() OVER w = 1 OR LAG(e.to_stage) OVER w <> e.to_stage
                THEN 1 ELSE 0 END AS stage_start{substate_start}
    FROM e{in_scope}
    WINDOW w AS (PARTITION BY e.opportunity_id ORDER BY e."at", e.seq)
),
ends AS (
    -- a visit ends at the next start of its level: times only grow along a deal's log,
    -- so the earliest start among the later events is the next one (one pass, one sort)
    SELECT o.*,
           MIN(CASE WHEN stage_start = 1 THEN "at" END) OVER later AS stage_end{substate_end}
    FROM ordered o
    WHERE stage_start = 1{or_substate_start}
    WINDOW later AS (PARTITION BY opportunity_id ORDER BY "at", seq
                     ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
),
runs AS (
    SELECT 'stage' AS level, opportunity_id, seq, pipeline, stage, position,
           CAST(NULL AS VARCHAR) AS substate, category, "at", stage_end AS ended_at
    FROM ends WHERE stage_start = 1{substate_runs}
),
v AS (
    SELECT {keys}r.level, r.opportunity_id, r.pipeline, r.stage, r.position, r.substate,
           r."at" AS started_at, r.ended_at,
           (EXTRACT(EPOCH FROM COALESCE(r.ended_at, {t})) - EXTRACT(EPOCH FROM r."at"))
               / 86400.0 AS days,
           CASE WHEN r.ended_at IS NULL THEN 1 ELSE 0 END AS is_open
           {period}
    FROM runs r{with_deal}
    WHERE r.category = 'open'
)"""
_SUBSTATE_START = """,
           CASE WHEN ROW_NUMBER() OVER w = 1 OR LAG(e.to_stage) OVER w <> e.to_stage
                     OR LAG(e.substate) OVER w IS DISTINCT FROM e.substate
                THEN 1 ELSE 0 END AS substate_start"""
_SUBSTATE_END = """,
           MIN(CASE WHEN substate_start = 1 THEN "at" END) OVER later AS substate_end"""
_SUBSTATE_RUNS = """
    UNION ALL
    SELECT 'substate' AS level, opportunity_id, seq, pipeline, stage, position,
           substate, category, "at", substate_end AS ended_at
    FROM ends WHERE substate_start = 1"""


def visits_sql(s: Scope, deal_columns: Sequence[str] = (), *, substates: bool = True) -> str:
    """CTEs (to follow a WITH) ending in `v`: one row per visit to an open stage, with the
    deal's cut columns (and `period`: of the visit's end, or of the moment while open).
    `substates`: sub-state visits too (`level` "substate"), else stage visits alone."""
    keys = "".join(f'd."{k}", ' for k in s.keys if k != "period")
    keys += "".join(f"d.{c}, " for c in deal_columns)
    period = (
        f', {s.period_label(f"COALESCE(r.ended_at, {s.t})")} AS "period"'
        if "period" in s.keys
        else ""
    )
    # Every event is of a deal: over all deals as they stand, no join is needed to keep
    # the events in scope, nor to read a deal's columns when none is asked for.
    whole = s.query.as_of is None and not s.query.where
    join = " JOIN d ON d.opportunity_id = {}.opportunity_id"
    return _VISITS.format(
        in_scope="" if whole else join.format("e"),
        with_deal="" if whole and not keys else join.format("r"),
        substate_start=_SUBSTATE_START if substates else "",
        substate_end=_SUBSTATE_END if substates else "",
        or_substate_start=" OR substate_start = 1" if substates else "",
        substate_runs=_SUBSTATE_RUNS if substates else "",
        deals=s.deals_sql(deal_columns),
        events=events_as_of(s.query.as_of),
        keys=keys,
        t=s.t,
        period=period,
    )
