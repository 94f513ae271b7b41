"""forecast: expected won revenue per period, from win rates learned from history per
stage, age in stage and segment (the formulas: `domain.metrics.forecast`), with a range,
forecast categories and their roll-ups, and the part expected from pipeline not yet
created."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from pipefit.analytics.engine import fetch
from pipefit.analytics.query import CUTS, ReportQuery, cut_sql
from pipefit.analytics.replay import deals_as_of, literal
from pipefit.analytics.result import ReportResult
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.forecast import BANDS, HISTORY_PERIODS, PRIOR_DEALS, UNDATED, Z90
from pipefit.domain.periods import Period, parse_period, period_of

__all__ = [
    "DEFINITIONS",
    "NAME",
    "TITLE",
    "chart",
    "check_where",
    "cuts_of",
    "first_moment",
    "forecast_sql",
    "history_periods",
    "moment",
    "run",
]

NAME = "forecast"
TITLE = "Forecast: expected won revenue per period, learned from history, with its range"
# What the terminal shows (views.reports), most important first.
TABLE_COLUMNS = (
    "period",
    "expected",
    "low",
    "high",
    "closed_won",
    "expected_open",
    "expected_new",
    "open_deals",
    "commit_amount",
    "best_case_amount",
    "pipeline_amount",
)
# The relations it reads (services.reports hands it these alone: no people, quotas ...).
READS = ("deals", "events", "changes", "stages", "forecast_overrides")
HORIZON = 4  # periods forecast when none is named: the one holding as_of and 3 after

DEFINITIONS = {
    "win probability": (
        "of the deals closed by the as-of date that were in the same stage, segment and "
        f"age-in-stage band (from {', '.join(str(b) for b in BANDS)} days), the share won; "
        f"shrunk towards the stage's rate and that towards the overall rate, each parent "
        f"weighing as {PRIOR_DEALS:g} deals: (won + {PRIOR_DEALS:g} x parent) / "
        f"(deals + {PRIOR_DEALS:g}); overall = (won + 1) / (closed + 2)"
    ),
    "expected_open": (
        "sum over open deals expected to close in the period (overdue ones in the current "
        "period) of win probability x amount in the workspace currency"
    ),
    "expected_new": (
        f"average won revenue of deals created and won inside one period, over up to "
        f"{HISTORY_PERIODS} complete past periods, times the part of the period still to come"
    ),
    "expected": "closed_won + expected_open + expected_new",
    UNDATED: (
        "the row of open deals without an expected close date: their count, amount and "
        "expected won revenue (win probability x amount), in no period; the summary's "
        "totals are over the periods, the undated_* keys hold this row"
    ),
    "low / high": (
        "10th and 90th percentiles of won revenue from open deals (each deal won or not "
        "with its probability), by the normal approximation, bounded by 0 and the open "
        "amount, plus closed_won and expected_new"
    ),
    "pipeline_amount / best_case_amount / commit_amount / closed_amount / omitted_amount": (
        "amounts per forecast category: a deal's latest override, else its stage's category "
        "in pipefit.toml, else by the stage's rank among the open stages (last: commit; "
        "upper half: best case; else pipeline); won deals are closed"
    ),
    "rollup_commit / rollup_best_case / rollup_pipeline": (
        "closed + commit; that + best case; that + pipeline"
    ),
}


def moment(query: ReportQuery) -> datetime:
    at = query.as_of or query.now or datetime.now(UTC)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def first_moment(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the workspace's history begins: its first event or deal."""
    row = con.execute(
        'SELECT MIN(m) FROM (SELECT MIN("at") AS m FROM events '
        "UNION ALL SELECT MIN(created_at) FROM deals) AS firsts"
    ).fetchall()[0]
    first: datetime | None = row[0]
    return first


def check_start(con: duckdb.DuckDBPyConnection, at: datetime) -> datetime:
    first = first_moment(con)
    if first is None:
        raise PipefitError("the workspace holds no deals yet: nothing to forecast from")
    if at < first:
        raise PipefitError(
            f"{at:%Y-%m-%d %H:%M} UTC is before the first event ({first:%Y-%m-%d %H:%M} "
            "UTC): there was nothing to forecast from",
            field="as_of",
        )
    return first


def cuts_of(query: ReportQuery) -> tuple[str, ...]:
    """The cuts asked for (rows are per period already: the cut 'period' adds nothing)."""
    for name in (*query.by, *query.where):
        if name not in CUTS and name != "period":
            known = ", ".join([*CUTS, "period"])
            raise PipefitError(f"no cut '{name}'; cuts are {known}", field="by")
    return tuple(n for n in query.by if n != "period")


def where_sql(query: ReportQuery, alias: str = "d") -> str:
    parts = []
    for name, values in query.where.items():
        if name == "period" or not values:
            continue
        quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
        parts.append(f"{cut_sql(name, alias)} IN ({quoted})")
    return " AND ".join(parts) if parts else "1 = 1"


def history_periods(kind: str, at: datetime, first: datetime, count: int) -> list[Period]:
    """Up to `count` complete periods of `kind` before the one holding `at`, none before
    the one holding `first`."""
    found: list[Period] = []
    current = period_of(at, kind)
    start = period_of(first, kind).start_at
    while len(found) < count:
        current = previous(current)
        if current.start_at < start:
            break
        found.append(current)
    return found


def previous(period: Period) -> Period:
    return period_of(period.start_at - timedelta(days=1), period.kind)


def following(period: Period) -> Period:
    return period_of(period.end_at, period.kind)


def _spans(
    periods: Sequence[Period], at: datetime | None, with_remaining: bool, undated: bool = False
) -> str:
    if not periods:
        cols = "CAST(NULL AS VARCHAR), CAST(NULL AS TIMESTAMPTZ), CAST(NULL AS TIMESTAMPTZ)"
        return f"SELECT {cols}{', 0.0' if with_remaining else ''} WHERE 1 = 0"
    rows = []
    for p in periods:
        row = f"('{p.label}', {literal(p.start_at)}, {literal(p.end_at)}"
        if with_remaining and at is not None:
            row += f", {_remaining(p, at)!r}"
        rows.append(row + ")")
    if undated:
        # the bucket of open deals without an expected close date: in no period
        rows.append(
            f"('{UNDATED}', CAST(NULL AS TIMESTAMPTZ), CAST(NULL AS TIMESTAMPTZ)"
            + (", 0.0)" if with_remaining else ")")
        )
    return "VALUES " + ", ".join(rows)


def _remaining(period: Period, at: datetime) -> float:
    if at <= period.start_at:
        return 1.0
    if at >= period.end_at:
        return 0.0
    return (period.end_at - at).total_seconds() / (period.end_at - period.start_at).total_seconds()


# Each move to another stage and when the deal left that stage (its next move).
MOVES = """
SELECT opportunity_id, pipeline, to_stage AS stage, category, "at",
       LEAD("at") OVER w AS left_at, LEAD(seq) OVER w AS next_seq
FROM {events}
WHERE from_stage IS NULL OR from_stage <> to_stage
WINDOW w AS (PARTITION BY opportunity_id ORDER BY seq)
"""


def _moves(t: str) -> str:
    return MOVES.format(events=f'(SELECT * FROM events WHERE "at" <= {t}) AS e')


def _moves_then(t: str, table: str) -> str:
    """MOVES of the log as of `t`, from the whole log's: the moves made by then, a stage
    left after then not left yet (the log's events are numbered in time order, so the
    moves by then are the first ones of each deal)."""
    return f"""
SELECT opportunity_id, pipeline, stage, category, "at",
       CASE WHEN left_at <= {t} THEN left_at END AS left_at,
       CASE WHEN left_at <= {t} THEN next_seq END AS next_seq
FROM {table} WHERE "at" <= {t}"""


def forecast_sql(
    at: datetime,
    periods: Sequence[Period],
    history: Sequence[Period],
    cuts: Sequence[str],
    where: str,
    *,
    totals: bool = True,
    undated: bool = False,
    deals_then: str | None = None,
    moves_from: str | None = None,
) -> str:
    """The forecast per (cut values, period) as of `at`, in one SELECT; with `undated`,
    one more row (period UNDATED) for the open deals without an expected close date.
    `deals_then`: a table holding `analytics.replay.deals_as_of(at)` already (the
    backtest replays each moment once for the periods on either side of it); `moves_from`:
    a table holding MOVES over the whole log, stated as of `at` by a filter."""
    t = literal(at)
    cut_cols = "".join(f"{cut_sql(c, 'd')} AS cut_{c}, " for c in cuts)
    keys = "".join(f"cut_{c}, " for c in cuts)
    nulls = "".join(f"CAST(NULL AS VARCHAR) AS cut_{c}, " for c in cuts)
    bands = ", ".join(
        f"({lower}, {BANDS[i + 1] if i + 1 < len(BANDS) else 'NULL'})"
        for i, lower in enumerate(BANDS)
    )
    k = f"{PRIOR_DEALS!r}"
    # the band a visit of x.days reached (its lower bound); none for a negative length
    bucket = (
        "CASE "
        + " ".join(f"WHEN x.days >= {lower} THEN {lower}" for lower in sorted(BANDS, reverse=True))
        + " END"
    )
    zero_rows = (
        f"UNION ALL SELECT {nulls}period, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM periods"
        if totals and not cuts
        else ""
    )
    new_share = f"1.0 / {len(history)}" if history else "0.0"
    group_by = "GROUP BY " + ", ".join(f"cut_{c}" for c in cuts) if cuts else ""
    return f"""
WITH
d AS ({deals_as_of(at) if deals_then is None else f"SELECT * FROM {deals_then}"}),
periods (period, period_start, period_end, remaining) AS ({_spans(periods, at, True, undated)}),
history (period, period_start, period_end) AS ({_spans(history, None, False)}),
bands (lower_days, upper_days) AS (VALUES {bands}),
moves AS ({_moves(t) if moves_from is None else _moves_then(t, moves_from)}),
closed AS (
    SELECT opportunity_id, COALESCE(segment, '') AS segment,
           CASE WHEN outcome = 'won' THEN 1 ELSE 0 END AS won
    FROM d WHERE outcome IN ('won', 'lost')
),
overall AS (SELECT (COALESCE(SUM(won), 0) + 1.0) / (COUNT(*) + 2.0) AS p FROM closed),
stays AS (
    -- each closed deal's longest completed visit to each open stage: a deal counts once
    -- per stage, and in every age band its longest visit reached
    SELECT m.opportunity_id, m.pipeline, m.stage,
           -- epochs apart, not an interval: subtracting time-zoned stamps is slow
           MAX((EXTRACT(EPOCH FROM m.left_at) - EXTRACT(EPOCH FROM m."at")) / 86400.0) AS days
    FROM moves m
    WHERE m.category = 'open' AND m.left_at IS NOT NULL
      AND m.opportunity_id IN (SELECT opportunity_id FROM closed)
    GROUP BY m.opportunity_id, m.pipeline, m.stage
),
banded AS (
    SELECT x.pipeline, x.stage, c.segment, {bucket} AS lower_days,
           COUNT(*) AS deals, SUM(c.won) AS won
    FROM stays x JOIN closed c ON c.opportunity_id = x.opportunity_id
    GROUP BY x.pipeline, x.stage, c.segment, {bucket}
),
stage_rates AS (
    SELECT v.pipeline, v.stage, (SUM(v.won) + {k} * o.p) / (SUM(v.deals) + {k}) AS p
    FROM banded v CROSS JOIN overall o
    GROUP BY v.pipeline, v.stage, o.p
),
cell_rates AS (
    SELECT v.pipeline, v.stage, b.lower_days, v.segment,
           (SUM(v.won) + {k} * s.p) / (SUM(v.deals) + {k}) AS p
    FROM banded v
    JOIN bands b ON v.lower_days >= b.lower_days
    JOIN stage_rates s ON s.pipeline = v.pipeline AND s.stage = v.stage
    GROUP BY v.pipeline, v.stage, b.lower_days, v.segment, s.p
),
entered AS (SELECT opportunity_id, "at" AS entered_at FROM moves WHERE next_seq IS NULL),
open_stages AS (
    SELECT pipeline, stage, forecast_category,
           ROW_NUMBER() OVER (PARTITION BY pipeline ORDER BY position) AS open_rank,
           COUNT(*) OVER (PARTITION BY pipeline) AS open_count
    FROM stages WHERE category = 'open'
),
overrides AS (
    SELECT opportunity_id, category,
           ROW_NUMBER() OVER (PARTITION BY opportunity_id ORDER BY "at" DESC) AS back
    FROM forecast_overrides WHERE "at" <= {t}
),
dg AS (SELECT {cut_cols}d.* FROM d WHERE {where}),
aged AS (
    SELECT g.*, (EXTRACT(EPOCH FROM {t})
                - EXTRACT(EPOCH FROM COALESCE(n.entered_at, g.created_at))) / 86400.0
               AS age_days,
           CASE WHEN g.expected_close < {t} THEN {t} ELSE g.expected_close END AS due
    FROM dg g LEFT JOIN entered n ON n.opportunity_id = g.opportunity_id
    WHERE g.outcome = 'open'
),
open_deals AS (
    SELECT {keys}COALESCE(p.period, '{UNDATED}') AS period, a.amount_home,
           COALESCE(c.p, s.p, o.p) AS p,
           CASE WHEN os.open_rank IS NULL THEN 0.5
                ELSE os.open_rank * 1.0 / (os.open_count + 1) END AS fixed_p,
           COALESCE(
               r.category, os.forecast_category,
               CASE WHEN os.open_rank IS NULL THEN 'pipeline'
                    WHEN os.open_rank >= os.open_count THEN 'commit'
                    WHEN 2 * os.open_rank > os.open_count THEN 'best_case'
                    ELSE 'pipeline' END
           ) AS forecast_category
    FROM aged a
    {"LEFT " if undated else ""}JOIN periods p ON a.due >= p.period_start AND a.due < p.period_end
    JOIN bands b ON (a.age_days >= b.lower_days OR b.lower_days = 0)
                AND (b.upper_days IS NULL OR a.age_days < b.upper_days)
    CROSS JOIN overall o
    LEFT JOIN stage_rates s ON s.pipeline = a.pipeline AND s.stage = a.stage
    LEFT JOIN cell_rates c ON c.pipeline = a.pipeline AND c.stage = a.stage
        AND c.lower_days = b.lower_days AND c.segment = COALESCE(a.segment, '')
    LEFT JOIN open_stages os ON os.pipeline = a.pipeline AND os.stage = a.stage
    LEFT JOIN overrides r ON r.opportunity_id = a.opportunity_id AND r.back = 1
    {"WHERE p.period IS NOT NULL OR a.due IS NULL" if undated else ""}
),
made AS (
    SELECT {keys}SUM(g.amount_home) AS made
    FROM dg g
    JOIN history h ON g.closed_at >= h.period_start AND g.closed_at < h.period_end
        AND g.created_at >= h.period_start AND g.created_at < h.period_end
    WHERE g.outcome = 'won' AND g.amount_home IS NOT NULL
    {group_by}
),
parts AS (
    SELECT {keys}period, 0.0 AS closed_won, 1 AS open_deals, amount_home AS open_amount,
           p * amount_home AS expected_open, p * (1 - p) * amount_home * amount_home AS variance,
           fixed_p * amount_home AS expected_fixed, 0.0 AS expected_new,
           0 AS deals_without_amount,
           CASE WHEN forecast_category = 'pipeline' THEN amount_home ELSE 0 END AS pipeline_amount,
           CASE WHEN forecast_category = 'best_case' THEN amount_home ELSE 0 END AS best_case,
           CASE WHEN forecast_category = 'commit' THEN amount_home ELSE 0 END AS commit_amount,
           0.0 AS closed_amount,
           CASE WHEN forecast_category = 'omitted' THEN amount_home ELSE 0 END AS omitted
    FROM open_deals WHERE amount_home IS NOT NULL
    UNION ALL
    SELECT {keys}period, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0
    FROM open_deals WHERE amount_home IS NULL
    UNION ALL
    SELECT {keys}p.period, g.amount_home, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, g.amount_home, 0
    FROM dg g JOIN periods p ON g.closed_at >= p.period_start AND g.closed_at < p.period_end
    WHERE g.outcome = 'won' AND g.amount_home IS NOT NULL
    UNION ALL
    SELECT {keys}p.period, 0, 0, 0, 0, 0, 0, m.made * {new_share} * p.remaining, 0, 0, 0, 0, 0, 0
    FROM made m CROSS JOIN periods p
    {zero_rows}
),
summed AS (
    SELECT {keys}period,
           SUM(closed_won) AS closed_won, SUM(open_deals) AS open_deals,
           SUM(open_amount) AS open_amount, SUM(expected_open) AS expected_open,
           SUM(variance) AS variance, SUM(expected_fixed) AS expected_fixed,
           SUM(expected_new) AS expected_new, SUM(deals_without_amount) AS deals_without_amount,
           SUM(pipeline_amount) AS pipeline_amount, SUM(best_case) AS best_case,
           SUM(commit_amount) AS commit_amount, SUM(closed_amount) AS closed_amount,
           SUM(omitted) AS omitted
    FROM parts GROUP BY {keys}period
),
ranged AS (
    SELECT s.*, {Z90!r} * SQRT(s.variance) AS spread FROM summed s
),
-- what the notes say, counted in the same pass: closed deals learned from, open deals
-- expected after the last period
counted AS (
    SELECT (SELECT COUNT(*) FROM closed) AS closed_deals,
           (SELECT COUNT(*) FROM aged WHERE due >= {literal(periods[-1].end_at)})
               AS later_deals
)
SELECT {"".join(f"cut_{c} AS {c}, " for c in cuts)}r.period, p.period_start,
       ROUND(r.closed_won + r.expected_open + r.expected_new, 4) AS expected,
       ROUND(r.closed_won + r.expected_new
             + CASE WHEN r.expected_open - r.spread > 0 THEN r.expected_open - r.spread
                    ELSE 0 END, 4) AS low,
       ROUND(r.closed_won + r.expected_new
             + CASE WHEN r.expected_open + r.spread < r.open_amount
                    THEN r.expected_open + r.spread ELSE r.open_amount END, 4) AS high,
       ROUND(r.closed_won, 4) AS closed_won,
       ROUND(r.expected_open, 4) AS expected_open,
       ROUND(r.expected_new, 4) AS expected_new,
       ROUND(r.expected_fixed, 4) AS expected_fixed,
       CAST(r.open_deals AS BIGINT) AS open_deals,
       ROUND(r.open_amount, 4) AS open_amount,
       CAST(r.deals_without_amount AS BIGINT) AS deals_without_amount,
       ROUND(r.pipeline_amount, 4) AS pipeline_amount,
       ROUND(r.best_case, 4) AS best_case_amount,
       ROUND(r.commit_amount, 4) AS commit_amount,
       ROUND(r.closed_amount, 4) AS closed_amount,
       ROUND(r.omitted, 4) AS omitted_amount,
       ROUND(r.closed_amount + r.commit_amount, 4) AS rollup_commit,
       ROUND(r.closed_amount + r.commit_amount + r.best_case, 4) AS rollup_best_case,
       ROUND(r.closed_amount + r.commit_amount + r.best_case + r.pipeline_amount, 4)
           AS rollup_pipeline,
       n.closed_deals, n.later_deals
FROM ranged r JOIN periods p ON p.period = r.period CROSS JOIN counted n
ORDER BY p.period_start{"".join(f", {c}" for c in cuts)}
"""


def target_periods(query: ReportQuery, at: datetime) -> list[Period]:
    if query.period is not None:
        try:
            return [parse_period(query.period)]
        except PipefitError as exc:
            raise PipefitError(exc.message, field="period") from None
    first = period_of(at, "quarter")
    periods = [first]
    while len(periods) < HORIZON:
        periods.append(following(periods[-1]))
    return periods


def run(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> ReportResult:
    at = moment(query)
    cuts = cuts_of(query)
    first = check_start(con, at)
    periods = target_periods(query, at)
    history = history_periods(periods[0].kind, at, first, HISTORY_PERIODS)
    where = where_sql(query, "d")
    check_where(con, query, at, where)
    table = fetch(con, forecast_sql(at, periods, history, cuts, where, undated=True))
    table = table.drop_columns(["expected_fixed"])
    # the undated row is shown when it holds a deal (a deal without an amount too)
    kept = [
        r["period"] != UNDATED or bool(r["open_deals"] or r["deals_without_amount"])
        for r in table.select(["period", "open_deals", "deals_without_amount"]).to_pylist()
    ]
    table = table.filter(pa.array(kept, pa.bool_()))
    notes = _notes(con, at, periods, history, table, where)
    table = table.drop_columns(["closed_deals", "later_deals"])
    summary = _summary(table, at, periods)
    return ReportResult(NAME, table, summary, dict(DEFINITIONS), notes)


def check_where(
    con: duckdb.DuckDBPyConnection, query: ReportQuery, at: datetime, where: str
) -> None:
    if where == "1 = 1":
        return
    row = con.execute(f"SELECT COUNT(*) FROM ({deals_as_of(at)}) AS d WHERE {where}").fetchall()[0]
    if row is None or row[0] == 0:
        asked = "; ".join(f"{k} {', '.join(v)}" for k, v in query.where.items() if v)
        raise PipefitError(
            f"no deal as of {at:%Y-%m-%d} matches {asked}: nothing to forecast", field="where"
        )


def _notes(
    con: duckdb.DuckDBPyConnection,
    at: datetime,
    periods: Sequence[Period],
    history: Sequence[Period],
    table: pa.Table,
    where: str,
) -> list[str]:
    notes: list[str] = []
    every = table.select(
        ["period", "open_deals", "deals_without_amount", "closed_deals", "later_deals"]
    ).to_pylist()
    closed = max((r["closed_deals"] or 0 for r in every), default=0)
    beyond = max((r["later_deals"] or 0 for r in every), default=0)
    undated = sum(
        (r["open_deals"] or 0) + (r["deals_without_amount"] or 0)
        for r in every
        if r["period"] == UNDATED
    )
    if closed == 0:
        notes.append(
            f"no deal had closed by {at:%Y-%m-%d}: every win probability is 50% (nothing learned)"
        )
    if undated:
        notes.append(
            f"{undated} open deal(s) have no expected close date: they are counted apart, in "
            f"the row '{UNDATED}' (their expected won revenue belongs to no period)"
        )
    if beyond:
        notes.append(f"{beyond} open deal(s) are expected to close after the last period shown")
    if not history:
        notes.append("no complete past period: pipeline not yet created is not estimated")
    without = sum(v or 0 for v in table.column("deals_without_amount").to_pylist())
    if without:
        notes.append(
            f"{without} open deal(s) have no amount in the workspace currency (no amount or "
            "no exchange rate) and are left out of the amounts"
        )
    labels = set(table.column("period").to_pylist())
    for p in periods:
        rows = [r for r in table.to_pylist() if r["period"] == p.label]
        if p.label not in labels or all(not r["open_deals"] and not r["closed_won"] for r in rows):
            notes.append(f"no deal is expected to close or has closed in {p.label}")
    del where
    return notes


def _summary(table: pa.Table, at: datetime, periods: Sequence[Period]) -> dict[str, Any]:
    every = table.to_pylist()
    rows = [r for r in every if r["period"] != UNDATED]
    apart = [r for r in every if r["period"] == UNDATED]

    def total(key: str, among: list[dict[str, Any]] = rows) -> float:
        return round(sum(r[key] or 0.0 for r in among), 4)

    return {
        "as_of": at.isoformat(),
        "periods": [p.label for p in periods],
        "expected": total("expected"),
        "closed_won": total("closed_won"),
        "expected_open": total("expected_open"),
        "expected_new": total("expected_new"),
        "rollup_commit": total("rollup_commit"),
        "rollup_best_case": total("rollup_best_case"),
        "rollup_pipeline": total("rollup_pipeline"),
        "undated_open_deals": int(sum(r["open_deals"] or 0 for r in apart)),
        "undated_open_amount": total("open_amount", apart),
        "undated_expected_open": total("expected_open", apart),
        "undated_deals_without_amount": int(sum(r["deals_without_amount"] or 0 for r in apart)),
    }


def chart(result: ReportResult) -> Any:
    """Expected won revenue per period with its range (and what has closed so far)."""
    import altair as alt

    data = [
        r
        for r in result.rows.select(["period", "expected", "low", "high", "closed_won"]).to_pylist()
        if r["period"] != UNDATED
    ]
    values = alt.Data(values=data)  # type: ignore[no-untyped-call]
    base = alt.Chart(values).encode(x=alt.X("period:N", sort=None, title="period"))
    band = base.mark_errorbar().encode(y=alt.Y("low:Q", title="won revenue"), y2=alt.Y2("high:Q"))
    point = base.mark_point(filled=True).encode(y="expected:Q")
    closed = base.mark_bar(opacity=0.3).encode(y="closed_won:Q")
    return (closed + band + point).properties(title="Forecast: expected won revenue per period")
