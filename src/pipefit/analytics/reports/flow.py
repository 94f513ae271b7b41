"""The pipeline flow of a period (the waterfall of Clari's and Salesforce's pipeline
inspection): open pipeline at its start + new + pulled in + reopened - pushed out - won -
lost +/- amount changes = open pipeline at its end, in count and amount.

The formula is `domain.metrics.flow` (the oracle): each deal is replayed as
`analytics.replay.deals_as_of` states it just before the period, at every moment in it
where something happened to it (created, an event, a change) and at its end (or the
as-of moment), and each step between two of its states is one movement, so the waterfall
balances by construction. Only deals whose close date (now, or before a later change of
it) falls in the period can ever be in its open pipeline: the replay is of those alone.
The replay at many moments is one pass in time order over the moments and what happened
(events, changes): the stage by then is that of the last event so far, the amount and
close date those the first change after it undid, so no moment needs a replay of its own.
Cut by "period", a year is replayed quarter by quarter and a quarter month by month, each
part a waterfall that balances; the summary stays the whole period's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from pipefit.analytics.query import CUTS, ReportQuery
from pipefit.analytics.replay import literal
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
# The relations it reads (services.reports hands it these alone: no people, quotas ...).
READS = ("deals", "events", "changes", "stages")

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
    "period (cut)": "a year's quarters or a quarter's months, each its own waterfall (a deal "
    "moved from one month to the next is pushed out of one and pulled into the other); the "
    "summary is the whole period's",
}

MOVEMENT_SQL = ", ".join(f"({i}, '{m}')" for i, m in enumerate(MOVEMENTS))


@dataclass(frozen=True)
class Span:
    """A period replayed: from just before it starts (`before`) to `last`, its last
    instant or the as-of moment when that comes first."""

    period: Period
    before: datetime
    last: datetime

    @classmethod
    def of(cls, period: Period, through: datetime) -> Span:
        return cls(period, period.start_at - TICK, min(period.end_at - TICK, through))


def _period(query: ReportQuery, through: datetime) -> Period:
    """The period asked for; by default the quarter of the as-of moment."""
    if not query.period:
        return period_of(through, "quarter")
    try:
        return parse_period(query.period)
    except PipefitError as error:
        raise PipefitError(error.message, field="period") from None


def _spans_sql(spans: Sequence[Span]) -> str:
    rows = ", ".join(
        f"({i}, '{s.period.label}', {literal(s.period.start_at)}, {literal(s.period.end_at)}, "
        f"{literal(s.before)}, {literal(s.last)})"
        for i, s in enumerate(spans)
    )
    return f"VALUES {rows}"


def _sql(query: ReportQuery, spans: Sequence[Span]) -> str:
    groups = group_columns([b for b in query.by if b != "period"], "d")
    picked = "".join(f", {expr} AS g_{n}" for n, expr in groups)
    names = ["period", *(f"g_{n}" for n, _ in groups)]
    g = "".join(f"{c}, " for c in names)
    kg = "".join(f"k.{c}, " for c in names)
    same = "".join(f" AND t.{c} IS NOT DISTINCT FROM gr.{c}" for c in names)
    return f"""
WITH
spans (i, period, p0, p1, s, e) AS ({_spans_sql(spans)}),
-- The deals that can be in a period's open pipeline at some moment of it: a close date
-- in the period now, or before a later change of it (the replay's close date at T is the
-- old date of the first change after T, else the date now).
touching AS (
    SELECT sp.i, d.opportunity_id
    FROM deals d JOIN spans sp ON d.expected_close >= sp.p0 AND d.expected_close < sp.p1
    UNION
    SELECT sp.i, c.opportunity_id
    FROM changes c JOIN spans sp ON c."at" > sp.s
        AND c.old_close_date >= sp.p0 AND c.old_close_date < sp.p1
    WHERE c.field = 'close_date'
),
scoped AS (
    SELECT sp.i, sp.period, sp.p0, sp.p1, sp.s, sp.e, d.opportunity_id, d.pipeline, d.stage,
           d.outcome, d.amount, d.amount_home, d.created_at, d.expected_close{picked}
    FROM touching t
    JOIN deals d ON d.opportunity_id = t.opportunity_id
    JOIN spans sp ON sp.i = t.i
    WHERE d.created_at <= sp.e AND {where_sql(query.where)}
),
-- each deal numbered: the replay below sorts and joins on numbers, not on ids
keyed AS (
    SELECT opportunity_id, ROW_NUMBER() OVER (ORDER BY opportunity_id) AS k
    FROM (SELECT DISTINCT opportunity_id FROM scoped) AS ids
),
scope AS (SELECT y.k, x.* FROM scoped x JOIN keyed y ON y.opportunity_id = x.opportunity_id),
-- a deal's outcome after each of its events and before the first (the stage its first
-- event left, where the log says it), as deals_as_of states it: the deal's outcome now
-- while in the stage it is in now, else the stage's category; as a code (0 open, 1 won,
-- 2 lost) that rides along with the event's number (seq x 4 + code)
coded AS (
    SELECT k.i, k.k, k.s, k.e, v.seq, v."at",
           CASE WHEN v.to_stage = k.stage THEN k.outcome
                ELSE COALESCE(st.category, 'open') END AS outcome
    FROM scope k
    JOIN keyed y ON y.k = k.k
    JOIN events v ON v.opportunity_id = y.opportunity_id AND v."at" <= k.e
    LEFT JOIN stages st ON st.pipeline = k.pipeline AND st.stage = v.to_stage
),
origin AS (
    SELECT k.i, k.k,
           CASE WHEN COALESCE(v.from_stage, k.stage) = k.stage THEN k.outcome
                ELSE COALESCE(st.category, 'open') END AS outcome
    FROM scope k
    JOIN keyed y ON y.k = k.k
    LEFT JOIN events v ON v.opportunity_id = y.opportunity_id AND v.seq = 1
    LEFT JOIN stages st ON st.pipeline = k.pipeline AND st.stage = v.from_stage
),
ch AS (
    SELECT y.k, c.field, c."at", c.old_amount, c.old_close_date,
           ROW_NUMBER() OVER (PARTITION BY y.k, c.field ORDER BY c."at", c.ordinal) AS n
    FROM changes c JOIN keyed y ON y.opportunity_id = c.opportunity_id
),
facts AS (
    SELECT i, k, s, "at" AS t,
           seq * 4 + CASE outcome WHEN 'open' THEN 0 WHEN 'won' THEN 1 ELSE 2 END AS code,
           0 AS amounts, 0 AS closes
    FROM coded
    UNION ALL
    SELECT k.i, k.k, k.s, c."at", NULL,
           CASE WHEN c.field = 'amount' THEN 1 ELSE 0 END,
           CASE WHEN c.field = 'close_date' THEN 1 ELSE 0 END
    FROM scope k JOIN ch c ON c.k = k.k AND c."at" <= k.e
),
-- what happened to each deal in the period (events, changes) and the moments it is
-- replayed at besides (just before the period, its creation, the period's end), in time
-- order, what happened at a moment before the moment itself; all that happened before
-- the period is summed into the moment just before it
timeline AS (
    SELECT i, k, s AS t, 1 AS point, MAX(code) AS code, SUM(amounts) AS amounts,
           SUM(closes) AS closes
    FROM (
        SELECT i, k, s, code, amounts, closes FROM facts WHERE t <= s
        UNION ALL SELECT i, k, s, NULL, 0, 0 FROM scope
    ) AS before
    GROUP BY i, k, s
    UNION ALL SELECT i, k, t, 0, code, amounts, closes FROM facts WHERE t > s
    UNION ALL SELECT i, k, e, 1, NULL, 0, 0 FROM scope
    UNION ALL SELECT i, k, created_at, 1, NULL, 0, 0 FROM scope WHERE created_at > s
),
-- a replay as of each moment becomes a running count: the last event so far (the
-- largest seq x 4 + code), how many changes so far
run AS (
    SELECT i, k, t, MAX(code) OVER w AS last_code, SUM(amounts) OVER w AS amounts_by,
           SUM(closes) OVER w AS closes_by, LEAD(t) OVER w AS next_t
    FROM timeline
    WINDOW w AS (PARTITION BY i, k ORDER BY t, point
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
-- analytics.replay.deals_as_of at every moment from just before the period (the last row
-- of each instant): the outcome after the last event by then (before any, the origin's),
-- the old amount and close date of the first change after it (else today's)
states AS (
    SELECT i, k, t, present, outcome,
           CASE WHEN present = 1 AND outcome = 'open' AND expected_close >= p0
                     AND expected_close < p1 THEN 1 ELSE 0 END AS inside,
           CAST(COALESCE(amount_home, 0) AS DECIMAL(18, 4)) AS amt,
           CASE WHEN amount_home IS NULL THEN 1 ELSE 0 END AS no_amount,
           CASE WHEN t = s THEN 'start' WHEN t = e THEN 'end' END AS edge
    FROM (
        SELECT r.i, r.k, r.t, q.s, q.e, q.p0, q.p1,
               CASE WHEN q.created_at <= r.t THEN 1 ELSE 0 END AS present,
               CASE WHEN r.last_code IS NULL THEN o.outcome
                    WHEN MOD(r.last_code, 4) = 0 THEN 'open'
                    WHEN MOD(r.last_code, 4) = 1 THEN 'won'
                    ELSE 'lost' END AS outcome,
               CASE WHEN a.k IS NULL THEN q.amount_home
                    WHEN q.amount IS NULL OR q.amount = 0 OR a.old_amount IS NULL THEN NULL
                    ELSE CAST(a.old_amount AS DOUBLE)
                         * (q.amount_home / CAST(q.amount AS DOUBLE))
               END AS amount_home,
               CASE WHEN c.k IS NOT NULL THEN c.old_close_date
                    ELSE q.expected_close END AS expected_close
        FROM run r
        JOIN scope q ON q.i = r.i AND q.k = r.k
        JOIN origin o ON o.i = r.i AND o.k = r.k
        LEFT JOIN ch a ON a.k = r.k AND a.field = 'amount' AND a.n = r.amounts_by + 1
        LEFT JOIN ch c ON c.k = r.k AND c.field = 'close_date' AND c.n = r.closes_by + 1
        WHERE r.t >= q.s AND (r.next_t IS NULL OR r.next_t > r.t)
    ) AS stated
),
stepped AS (
    SELECT s.*,
           LAG(present) OVER w AS was_present, LAG(inside) OVER w AS was_inside,
           LAG(outcome) OVER w AS was_outcome, LAG(amt) OVER w AS was_amt
    FROM states s
    WINDOW w AS (PARTITION BY i, k ORDER BY t)
),
moves AS (
    SELECT i, k,
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
    SELECT i, k, edge, 1, amt, no_amount FROM states WHERE inside = 1 AND edge IS NOT NULL
),
tallied AS (
    SELECT {kg}m.movement,
           -- counts as BIGINT: a SUM of integers is a 128-bit decimal to Arrow
           COUNT(DISTINCT m.k) AS deals, CAST(SUM(m.dcount) AS BIGINT) AS "count",
           SUM(m.damount) AS amount, CAST(SUM(m.no_amount) AS BIGINT) AS no_amount
    FROM moves m JOIN scope k ON k.i = m.i AND k.k = m.k
    WHERE m.movement IS NOT NULL
    GROUP BY {kg}m.movement
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


def _spans(query: ReportQuery, through: datetime) -> tuple[Period, list[Span]]:
    """The period asked for and the spans replayed: the period itself, and with the cut
    "period" each of its parts (a year's quarters, a quarter's months) begun by `through`."""
    period = _period(query, through)
    if through < period.start_at:
        raise PipefitError(
            f"period {period.label} had not begun at {through.isoformat()}: it has no flow yet",
            field="period",
        )
    parts = period.children() if "period" in query.by else []
    return period, [Span.of(p, through) for p in [period, *parts] if p.start_at <= through]


def run(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> ReportResult:
    check_cuts(query, NAME, [*CUTS, "period"])
    if "period" in query.where:
        raise PipefitError(
            "the flow report cannot be filtered by 'period' (name the period instead)",
            field="report.where",
        )
    through = now(query)
    period, spans = _spans(query, through)
    whole = spans[0]
    shown = spans[1:] if "period" in query.by and len(spans) > 1 else spans
    raw = con.sql(_sql(query, spans)).to_arrow_table()
    raw = raw.rename_columns([c[2:] if c.startswith("g_") else c for c in raw.column_names])
    records = raw.to_pylist()
    notes: list[str] = (
        []
        if query.period
        else [
            f"the flow of {period.label}, the quarter of the as-of moment (ask for another period)"
        ]
    )
    by = [b for b in query.by if b != "period"]
    totals: dict[tuple[Any, ...], dict[str, Decimal]] = {}
    missing: dict[str, int] = {"start": 0, "end": 0}
    for r in records:
        key = (r["period"], *(r[n] for n in by))
        totals.setdefault(key, {})[r["movement"]] = r["amount"]
        if r["movement"] in missing and r["period"] == whole.period.label:
            missing[r["movement"]] += r["no_amount"]
    balanced = all(
        sum((v for k, v in t.items() if k != "end"), Decimal(0)) == t.get("end", Decimal(0))
        for t in totals.values()
    )
    labels = {s.period.label for s in shown}
    kept = [r for r in records if r["period"] in labels]
    order = {s.period.label: i for i, s in enumerate(shown)}
    kept.sort(key=lambda r: order[r["period"]])  # the SQL orders by label within
    rows = pa.table(
        {
            "period": pa.array([r["period"] for r in kept], pa.string()),
            **{n: pa.array([r[n] for r in kept], pa.string()) for n in by},
            "movement": pa.array([r["movement"] for r in kept], pa.string()),
            "step": pa.array([r["step"] for r in kept], pa.int64()),
            "deals": pa.array([r["deals"] for r in kept], pa.int64()),
            "count": pa.array([r["count"] for r in kept], pa.int64()),
            "amount": pa.array([float(r["amount"]) for r in kept], pa.float64()),
        }
    )
    summed = {m: (0, Decimal(0)) for m in MOVEMENTS}
    for r in records:
        if r["period"] == whole.period.label:
            n, a = summed[r["movement"]]
            summed[r["movement"]] = (n + r["count"], a + r["amount"])
    if not kept:
        notes.append(
            f"no open deal had a close date in {period.label} between its start and "
            f"{whole.last.date().isoformat()}"
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
    if whole.last < period.end_at - TICK:
        notes.append(f"{period.label} is not over: its end is replayed to {whole.last.isoformat()}")
    summary: dict[str, Any] = {
        "period": period.label,
        "from": period.start.isoformat(),
        "through": whole.last.date().isoformat(),
        "replayed_to": whole.last.isoformat(),
        "balanced": balanced,
        **{f"{m}_count": int(summed[m][0]) for m in MOVEMENTS},
        **{f"{m}_amount": float(summed[m][1]) for m in MOVEMENTS},
    }
    if "period" in query.by:
        summary["periods"] = [s.period.label for s in shown]
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
