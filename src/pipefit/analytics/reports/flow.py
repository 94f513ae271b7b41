"""The pipeline flow of a period (the waterfall of Clari's and Salesforce's pipeline
inspection): open pipeline at its start + new + pulled in + reopened - pushed out - won -
lost +/- amount changes = open pipeline at its end, in count and amount.

The formula is `domain.metrics.flow` (the oracle). Start and end are
`analytics.replay.deals_as_of` just before the period and at its end (or the as-of moment);
in between, each deal is replayed the same way at every moment something happened to it
(an event or a change), and each step between two of its states is one movement, so the
waterfall balances by construction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from pipefit.analytics.query import ReportQuery
from pipefit.analytics.replay import deals_as_of, literal
from pipefit.analytics.reports._deal_cuts import check_cuts, group_columns, now, where_sql
from pipefit.analytics.result import ReportResult
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.flow import MOVEMENTS, TICK
from pipefit.domain.periods import Period, parse_period, period_of

__all__ = ["NAME", "TITLE", "chart", "run"]

NAME = "flow"
TITLE = "Pipeline flow: open pipeline at the start of a period, what moved, and at its end"
# What the terminal shows (views.reports): the waterfall; its figures are the table.
TABLE_COLUMNS = ("movement", "count", "amount")
TABLE_FACTS = ("period", "from", "through", "balanced")

DEFINITIONS = {
    "open pipeline": "deals open at a moment whose expected close date (as it stood then) "
    "falls in the period (Salesforce's pipeline inspection, Clari); amounts in the "
    "workspace currency",
    "start": "the open pipeline just before the period begins",
    "end": "the open pipeline at the period's end, or at the as-of moment when the period "
    "is not over",
    "new": "deals created in the period, open with a close date in it when created",
    "pulled_in": "open deals whose close date moved into the period (from after it; the rare "
    "move from before it or from no date counts here too)",
    "reopened": "won or lost deals reopened with a close date in the period",
    "pushed_out": "deals whose close date moved out of the period (their amount then)",
    "won": "deals of the open pipeline won in the period (their amount then)",
    "lost": "deals of the open pipeline lost in the period (their amount then)",
    "increased": "amount raised while in the open pipeline (sum of the raises)",
    "decreased": "amount lowered while in the open pipeline (sum of the cuts)",
    "balance": "start + every movement = end, in count and amount: each deal is replayed at "
    "every moment something happened to it, each step between two states is one movement",
    "count": "change in the number of open deals (signed); deals: how many deals moved",
}

MOVEMENT_SQL = ", ".join(f"({i}, '{m}')" for i, m in enumerate(MOVEMENTS))


def _period(query: ReportQuery, through: datetime) -> Period:
    """The period asked for; by default the quarter of the as-of moment."""
    if not query.period:
        return period_of(through, "quarter")
    try:
        return parse_period(query.period)
    except PipefitError as error:
        raise PipefitError(error.message, field="period") from None


def _sql(query: ReportQuery, period: Period, before: datetime, last: datetime) -> str:
    groups = group_columns(query.by, "d")
    picked = "".join(f", {expr} AS g_{n}" for n, expr in groups)
    names = [f"g_{n}" for n, _ in groups]
    g = "".join(f"{c}, " for c in names)
    same = "".join(f" AND t.{c} IS NOT DISTINCT FROM gr.{c}" for c in names)
    s, e = literal(before), literal(last)
    p0, p1 = literal(period.start_at), literal(period.end_at)

    def later(field: str, value: str) -> str:
        return f"""(
    SELECT p.opportunity_id, p.t, c.{value} AS old_value,
           ROW_NUMBER() OVER (PARTITION BY p.opportunity_id, p.t
                              ORDER BY c."at", c.ordinal) AS n
    FROM points p JOIN changes c ON c.opportunity_id = p.opportunity_id
        AND c.field = '{field}' AND c."at" > p.t
)"""

    return f"""
WITH
scope AS (
    SELECT d.opportunity_id, d.pipeline, d.stage, d.outcome, d.amount, d.amount_home,
           d.created_at, d.expected_close{picked}
    FROM deals d WHERE d.created_at <= {e} AND {where_sql(query.where)}
),
points AS (
    SELECT opportunity_id, created_at AS t FROM scope WHERE created_at > {s}
    UNION
    SELECT v.opportunity_id, v."at" AS t FROM events v
    JOIN scope k ON k.opportunity_id = v.opportunity_id WHERE v."at" > {s} AND v."at" <= {e}
    UNION
    SELECT c.opportunity_id, c."at" AS t FROM changes c
    JOIN scope k ON k.opportunity_id = c.opportunity_id WHERE c."at" > {s} AND c."at" <= {e}
),
-- analytics.replay.deals_as_of, stated at every point at once
last_event AS (
    SELECT p.opportunity_id, p.t, v.to_stage,
           ROW_NUMBER() OVER (PARTITION BY p.opportunity_id, p.t ORDER BY v.seq DESC) AS n
    FROM points p JOIN events v ON v.opportunity_id = p.opportunity_id AND v."at" <= p.t
),
next_event AS (
    SELECT p.opportunity_id, p.t, v.from_stage,
           ROW_NUMBER() OVER (PARTITION BY p.opportunity_id, p.t ORDER BY v.seq) AS n
    FROM points p JOIN events v ON v.opportunity_id = p.opportunity_id AND v."at" > p.t
),
next_amount AS {later("amount", "old_amount")},
next_close AS {later("close_date", "old_close_date")},
placed AS (
    SELECT p.opportunity_id, p.t, k.pipeline, k.stage, k.outcome, k.amount, k.amount_home,
           k.expected_close, k.created_at,
           CASE WHEN l.opportunity_id IS NOT NULL THEN l.to_stage
                WHEN x.from_stage IS NOT NULL THEN x.from_stage
                ELSE k.stage END AS stage_then,
           a.opportunity_id AS amount_changed, a.old_value AS amount_then,
           c.opportunity_id AS close_changed, c.old_value AS close_then
    FROM points p
    JOIN scope k ON k.opportunity_id = p.opportunity_id
    LEFT JOIN last_event l ON l.opportunity_id = p.opportunity_id AND l.t = p.t AND l.n = 1
    LEFT JOIN next_event x ON x.opportunity_id = p.opportunity_id AND x.t = p.t AND x.n = 1
    LEFT JOIN next_amount a ON a.opportunity_id = p.opportunity_id AND a.t = p.t AND a.n = 1
    LEFT JOIN next_close c ON c.opportunity_id = p.opportunity_id AND c.t = p.t AND c.n = 1
),
midway AS (
    SELECT q.opportunity_id, q.t, 1 AS ord,
           CASE WHEN q.created_at <= q.t THEN 1 ELSE 0 END AS present,
           CASE WHEN q.stage_then = q.stage THEN q.outcome
                ELSE COALESCE(st.category, 'open') END AS outcome,
           CASE WHEN q.amount_changed IS NULL THEN q.amount_home
                WHEN q.amount IS NULL OR q.amount = 0 OR q.amount_then IS NULL THEN NULL
                ELSE CAST(q.amount_then AS DOUBLE) * (q.amount_home / CAST(q.amount AS DOUBLE))
           END AS amount_home,
           CASE WHEN q.close_changed IS NOT NULL THEN q.close_then ELSE q.expected_close END
               AS expected_close
    FROM placed q
    LEFT JOIN stages st ON st.pipeline = q.pipeline AND st.stage = q.stage_then
),
at_start AS ({deals_as_of(before)}),
at_end AS ({deals_as_of(last)}),
edges AS (
    SELECT k.opportunity_id, {s} AS t, 0 AS ord,
           CASE WHEN b.opportunity_id IS NULL THEN 0 ELSE 1 END AS present,
           b.outcome, b.amount_home, b.expected_close
    FROM scope k LEFT JOIN at_start b ON b.opportunity_id = k.opportunity_id
    UNION ALL
    SELECT k.opportunity_id, {e} AS t, 2 AS ord,
           CASE WHEN b.opportunity_id IS NULL THEN 0 ELSE 1 END AS present,
           b.outcome, b.amount_home, b.expected_close
    FROM scope k LEFT JOIN at_end b ON b.opportunity_id = k.opportunity_id
),
timeline AS (
    SELECT u.opportunity_id, u.t, u.ord, u.present,
           CASE WHEN u.present = 1 AND u.outcome = 'open' AND u.expected_close >= {p0}
                     AND u.expected_close < {p1} THEN 1 ELSE 0 END AS inside,
           u.outcome,
           CAST(COALESCE(u.amount_home, 0) AS DECIMAL(18, 4)) AS amt,
           CASE WHEN u.amount_home IS NULL THEN 1 ELSE 0 END AS no_amount
    FROM (SELECT * FROM edges UNION ALL SELECT * FROM midway) u
),
stepped AS (
    SELECT t.*,
           LAG(present) OVER w AS was_present, LAG(inside) OVER w AS was_inside,
           LAG(outcome) OVER w AS was_outcome, LAG(amt) OVER w AS was_amt
    FROM timeline t
    WINDOW w AS (PARTITION BY opportunity_id ORDER BY t, ord)
),
moves AS (
    SELECT opportunity_id,
           CASE
               WHEN was_inside = 0 AND inside = 1 THEN
                   CASE WHEN was_present = 0 THEN 'new'
                        WHEN was_outcome <> 'open' THEN 'reopened'
                        ELSE 'pulled_in' END
               WHEN was_inside = 1 AND inside = 0 THEN
                   CASE WHEN outcome IN ('won', 'lost') THEN outcome ELSE 'pushed_out' END
               WHEN was_inside = 1 AND inside = 1 AND amt > was_amt THEN 'increased'
               WHEN was_inside = 1 AND inside = 1 AND amt < was_amt THEN 'decreased'
           END AS movement,
           CASE WHEN was_inside = 0 AND inside = 1 THEN 1
                WHEN was_inside = 1 AND inside = 0 THEN -1 ELSE 0 END AS dcount,
           CASE WHEN was_inside = 0 AND inside = 1 THEN amt
                WHEN was_inside = 1 AND inside = 0 THEN -was_amt
                ELSE amt - was_amt END AS damount,
           0 AS no_amount
    FROM stepped WHERE was_inside IS NOT NULL
    UNION ALL
    SELECT opportunity_id, CASE ord WHEN 0 THEN 'start' ELSE 'end' END, 1, amt, no_amount
    FROM timeline WHERE ord IN (0, 2) AND inside = 1
),
tallied AS (
    SELECT {"".join(f"k.{c}, " for c in names)}m.movement,
           COUNT(DISTINCT m.opportunity_id) AS deals, SUM(m.dcount) AS "count",
           SUM(m.damount) AS amount, SUM(m.no_amount) AS no_amount
    FROM moves m JOIN scope k ON k.opportunity_id = m.opportunity_id
    WHERE m.movement IS NOT NULL
    GROUP BY {"".join(f"k.{c}, " for c in names)}m.movement
),
grid AS (
    SELECT DISTINCT {g}v.step, v.movement
    FROM tallied CROSS JOIN (VALUES {MOVEMENT_SQL}) AS v (step, movement)
)
SELECT {"".join(f"gr.{c}, " for c in names)}gr.movement, gr.step,
       COALESCE(t.deals, 0) AS deals, COALESCE(t."count", 0) AS "count",
       COALESCE(t.amount, CAST(0 AS DECIMAL(18, 4))) AS amount,
       COALESCE(t.no_amount, 0) AS no_amount
FROM grid gr
LEFT JOIN tallied t ON t.movement = gr.movement{same}
ORDER BY {g}gr.step
"""


def run(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> ReportResult:
    check_cuts(query, NAME)
    through = now(query)
    period = _period(query, through)
    if through < period.start_at:
        raise PipefitError(
            f"period {period.label} had not begun at {through.isoformat()}: it has no flow yet",
            field="period",
        )
    before = period.start_at - TICK
    last = min(period.end_at - TICK, through)
    raw = con.sql(_sql(query, period, before, last)).to_arrow_table()
    raw = raw.rename_columns([c[2:] if c.startswith("g_") else c for c in raw.column_names])
    records = raw.to_pylist()
    notes: list[str] = (
        []
        if query.period
        else [
            f"the flow of {period.label}, the quarter of the as-of moment (ask for another period)"
        ]
    )
    by = list(query.by)
    totals: dict[tuple[Any, ...], dict[str, Decimal]] = {}
    missing: dict[str, int] = {"start": 0, "end": 0}
    for r in records:
        key = tuple(r[n] for n in by)
        totals.setdefault(key, {})[r["movement"]] = r["amount"]
        if r["movement"] in missing:
            missing[r["movement"]] += r["no_amount"]
    balanced = all(
        sum((v for k, v in t.items() if k != "end"), Decimal(0)) == t.get("end", Decimal(0))
        for t in totals.values()
    )
    rows = pa.table(
        {
            **{n: pa.array([r[n] for r in records], pa.string()) for n in by},
            "period": pa.array([period.label] * len(records), pa.string()),
            "movement": pa.array([r["movement"] for r in records], pa.string()),
            "step": pa.array([r["step"] for r in records], pa.int64()),
            "deals": pa.array([r["deals"] for r in records], pa.int64()),
            "count": pa.array([r["count"] for r in records], pa.int64()),
            "amount": pa.array([float(r["amount"]) for r in records], pa.float64()),
        }
    )
    whole = {m: (0, Decimal(0)) for m in MOVEMENTS}
    for r in records:
        n, a = whole[r["movement"]]
        whole[r["movement"]] = (n + r["count"], a + r["amount"])
    if not records:
        notes.append(
            f"no open deal had a close date in {period.label} between its start and "
            f"{last.date().isoformat()}"
            + (" among the deals the filter keeps" if query.where else "")
            + ": the flow is empty"
        )
    if not balanced:  # cannot happen by construction; say so rather than hide it
        notes.append("the flow does not balance: please report this as a bug")
    if not con.sql("SELECT COUNT(*) FROM changes").fetchall()[0][0]:
        notes.append(
            "the workspace has no amount or close-date history: every deal's amount and "
            "close date are taken as they stand now at every moment, so pulled in, pushed "
            "out and amount changes cannot be seen (movements come from stage moves and "
            "from comparing the two states only)"
        )
    if missing["start"] or missing["end"]:
        notes.append(
            f"{missing['start']} deal(s) at the start and {missing['end']} at the end have no "
            "amount in the workspace currency (no amount or no rate): counted, amount 0"
        )
    if last < period.end_at - TICK:
        notes.append(f"{period.label} is not over: its end is replayed to {last.isoformat()}")
    summary: dict[str, Any] = {
        "period": period.label,
        "from": period.start_at.isoformat(),
        "through": last.isoformat(),
        "balanced": balanced,
        **{f"{m}_count": whole[m][0] for m in MOVEMENTS},
        **{f"{m}_amount": float(whole[m][1]) for m in MOVEMENTS},
    }
    return ReportResult(
        name=NAME, rows=rows, summary=summary, definitions=dict(DEFINITIONS), notes=notes
    )


def chart(result: ReportResult) -> Any:
    """The flow as a waterfall of amounts (one per group when cut)."""
    import altair as alt

    base = [c for c in result.rows.column_names if c not in ("period", "movement", "step")]
    groups = [c for c in base if c not in ("deals", "count", "amount")]
    bars: list[dict[str, Any]] = []
    running: dict[tuple[Any, ...], float] = {}
    for r in result.rows.to_pylist():
        key = tuple(r[g] for g in groups)
        level = running.get(key, 0.0)
        if r["movement"] in ("start", "end"):
            low, high = 0.0, r["amount"]
            running[key] = r["amount"]
        else:
            low, high = level, level + r["amount"]
            running[key] = high
        bars.append(
            {
                **r,
                "group": " / ".join(str(v) for v in key) or "all",
                "low": min(low, high),
                "high": max(low, high),
                "kind": r["movement"]
                if r["movement"] in ("start", "end")
                else ("up" if r["amount"] >= 0 else "down"),
            }
        )
    colors = alt.Scale(
        domain=["start", "up", "down", "end"], range=["#4c78a8", "#54a24b", "#e45756", "#4c78a8"]
    )
    drawn = (
        alt.Chart(alt.Data(values=bars))  # type: ignore[no-untyped-call]
        .mark_bar()
        .encode(
            x=alt.X("movement:N", sort=list(MOVEMENTS), title=None, axis=alt.Axis(labelAngle=-30)),
            y=alt.Y("low:Q", title="open pipeline (amount)"),
            y2="high:Q",
            color=alt.Color("kind:N", scale=colors, legend=None),
            tooltip=["movement:N", "count:Q", "deals:Q", alt.Tooltip("amount:Q", format=",.0f")],
        )
        .properties(width=420)
    )
    # one panel per group; a single waterfall has no panel heading ("all" says nothing)
    header = alt.Header() if groups else alt.Header(labels=False)
    return drawn.facet(row=alt.Row("group:N", title=None, header=header)).properties(title=TITLE)
