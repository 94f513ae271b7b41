"""The funnel: stage-to-stage conversion and drop-out, in HubSpot's two forms, with lost
deals kept in; and the lead funnel (lead -> qualified -> opportunity -> won).

The formulas are `domain.metrics.funnel` (the oracle); this module states them in SQL over
the relations replayed to `query.as_of`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipefit.analytics.query import CUTS, ReportQuery, cut_sql
from pipefit.analytics.replay import deals_as_of, events_as_of, leads_as_of
from pipefit.analytics.reports._deal_cuts import (
    check_cuts,
    moment,
    text,
    where_sql,
)
from pipefit.analytics.reports.deal_scope import period_label_sql
from pipefit.analytics.result import ReportResult
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.funnel import (
    LEAD_STEPS,
    LOST_STATUSES,
    QUALIFIED_STATUSES,
    WORKING_STATUSES,
)
from pipefit.domain.periods import parse_period

__all__ = ["NAME", "TITLE", "chart", "run"]

NAME = "funnel"
PERIOD = "period"  # the cut by period: one funnel per period of creation
TITLE = "Funnel: conversion and drop-out per stage (in order / reached at all), and leads"
# The relations it reads (the replay of deals to a past moment reads events, changes and
# stages too): the others are not read from the workspace at all.
READS = frozenset({"deals", "events", "changes", "stages", "leads"})
# What the terminal shows (views.reports): one table per funnel and form.
TABLE_COLUMNS = (
    "stage",
    "count",
    "conversion_to_next",
    "conversion_from_first",
    "drop_out",
    "drop_out_rate",
    "lost_here",
    "open_here",
)
TABLE_SPLIT = ("funnel", "pipeline", "form")

# Cuts a lead has of its own (the lead funnel runs only when every cut is one of these).
LEAD_CUTS = {"segment": "l.segment", "source": "l.lead_source", PERIOD: "l.created_at"}

DEFINITIONS = {
    "steps": "a pipeline's open stages and its won stage, by position; lost stages are "
    "where deals leave, not steps",
    "entered": "a deal entered the stage it started in and every stage an event moved it to "
    "(the log replayed to the as-of moment)",
    "in_order": "count: deals that entered steps 1 to k one after the other (HubSpot's "
    "'went through every stage in order'); a skipped step ends a deal's path there, a move "
    "back does not undo it",
    "reached": "count: deals that entered step k or a later step at any time (HubSpot's "
    "'reached this stage at all')",
    "lost deals": "kept in: a lost deal counts for the steps it reached and drops out at the "
    "last of them (the last open stage it reached)",
    "conversion_to_next": "count at the next step / count at this step (null when 0)",
    "conversion_from_first": "count at this step / count at step 1 (null when 0)",
    "drop_out": "deals whose last counted step is this one (null at the won step, where the "
    "funnel ends); lost_here and open_here: those of them lost, and still open",
    "drop_out_rate": "drop_out / count at this step",
    "lead funnel": "lead: every lead; qualified: status "
    + ", ".join(QUALIFIED_STATUSES)
    + " or has an opportunity; opportunity: a deal names the lead (lead_id); won: one of "
    "its deals is won. At the lead step lost_here is status "
    + ", ".join(LOST_STATUSES)
    + " and open_here "
    + ", ".join(WORKING_STATUSES)
    + " (nurture is neither); at the qualified step open_here is qualified leads with no "
    "opportunity yet; at the opportunity step lost_here is leads whose deals were all lost",
}

COLUMNS = [
    ("funnel", pa.string()),
    ("pipeline", pa.string()),
    ("form", pa.string()),
    ("step", pa.int64()),
    ("stage", pa.string()),
    ("count", pa.int64()),
    ("conversion_to_next", pa.float64()),
    ("conversion_from_first", pa.float64()),
    ("drop_out", pa.int64()),
    ("drop_out_rate", pa.float64()),
    ("lost_here", pa.int64()),
    ("open_here", pa.int64()),
]


def _tally(groups: list[str], kind: str) -> str:
    """CTEs `agg` .. `final` over `measured` (groups, pipeline, form, depth, outcome) and
    `steps` (pipeline, step, stage, category): one row per group, pipeline, form and step."""
    g = "".join(f"{c}, " for c in groups)
    gm = "".join(f"m.{c}, " for c in groups)
    gs = "".join(f"gs.{c}, " for c in groups)
    same = "".join(f" AND a.{c} IS NOT DISTINCT FROM gs.{c}" for c in groups)
    part = "".join(f"{c}, " for c in groups)
    return f"""
agg AS (
    SELECT {g}pipeline, form, depth, COUNT(*) AS n,
           SUM(CASE WHEN outcome = 'lost' THEN 1 ELSE 0 END) AS lost,
           SUM(CASE WHEN outcome = 'open' THEN 1 ELSE 0 END) AS still_open
    FROM measured GROUP BY {g}pipeline, form, depth
),
grid AS (SELECT DISTINCT {gm}m.pipeline, m.form FROM measured m),
grid_steps AS (
    SELECT {"".join(f"gr.{c}, " for c in groups)}gr.pipeline, gr.form, s.step, s.stage,
           s.category, s.steps
    FROM grid gr JOIN steps s ON s.pipeline IS NOT DISTINCT FROM gr.pipeline
),
tallied AS (
    SELECT {gs}gs.pipeline, gs.form, gs.step, gs.stage, gs.category, gs.steps,
           COALESCE(SUM(a.n), 0) AS cnt,
           COALESCE(SUM(CASE WHEN a.depth = gs.step THEN a.n ELSE 0 END), 0) AS here,
           COALESCE(SUM(CASE WHEN a.depth = gs.step THEN a.lost ELSE 0 END), 0) AS lost_here,
           COALESCE(SUM(CASE WHEN a.depth = gs.step THEN a.still_open ELSE 0 END), 0)
               AS open_here
    FROM grid_steps gs
    LEFT JOIN agg a ON a.pipeline IS NOT DISTINCT FROM gs.pipeline AND a.form = gs.form
        AND a.depth >= gs.step{same}
    GROUP BY {gs}gs.pipeline, gs.form, gs.step, gs.stage, gs.category, gs.steps
),
windowed AS (
    SELECT t.*,
           LEAD(cnt) OVER (PARTITION BY {part}pipeline, form ORDER BY step) AS next_cnt,
           FIRST_VALUE(cnt) OVER (PARTITION BY {part}pipeline, form ORDER BY step) AS first_cnt
    FROM tallied t
)
SELECT {g}'{kind}' AS funnel, pipeline, form, step, stage, cnt AS "count",
       CASE WHEN next_cnt IS NULL OR cnt = 0 THEN NULL
            ELSE ROUND(CAST(next_cnt AS DOUBLE) / cnt, 4) END AS conversion_to_next,
       CASE WHEN first_cnt = 0 THEN NULL
            ELSE ROUND(CAST(cnt AS DOUBLE) / first_cnt, 4) END AS conversion_from_first,
       CASE WHEN category = 'won' THEN NULL ELSE here END AS drop_out,
       CASE WHEN category = 'won' OR cnt = 0 THEN NULL
            ELSE ROUND(CAST(here AS DOUBLE) / cnt, 4) END AS drop_out_rate,
       lost_here, open_here
FROM windowed
ORDER BY {g}pipeline, form, step
"""


def _chain(depth: int) -> str:
    """CTEs `chain_1` .. `chain_{depth}` and `in_order`: the earliest entry of step k that
    comes after the chain's entry of step k - 1 (entering steps 1 .. k one after the other
    is possible exactly when the earliest such entries exist), one join per step."""
    if depth < 1:
        return "in_order AS (SELECT opportunity_id, 0 AS depth FROM stepped WHERE 1 = 0)"
    parts = ["chain_1 AS (SELECT opportunity_id, MIN(seq) AS seq FROM stepped WHERE step = 1 "
             "GROUP BY opportunity_id)"]  # fmt: skip
    for k in range(2, depth + 1):
        parts.append(
            f"chain_{k} AS (\n    SELECT s.opportunity_id, MIN(s.seq) AS seq FROM stepped s\n"
            f"    JOIN chain_{k - 1} c ON c.opportunity_id = s.opportunity_id AND s.seq > c.seq\n"
            f"    WHERE s.step = {k} GROUP BY s.opportunity_id\n)"
        )
    depths = "\n    UNION ALL ".join(
        f"SELECT opportunity_id, {k} AS depth FROM chain_{k}" for k in range(1, depth + 1)
    )
    parts.append(
        f"in_order AS (\n    SELECT opportunity_id, MAX(depth) AS depth FROM (\n    {depths}\n"
        "    ) c GROUP BY opportunity_id\n)"
    )
    return ",\n".join(parts)


def _stage_ctes(query: ReportQuery, groups: list[tuple[str, str]], depth: int) -> str:
    """The CTEs up to `measured_deals` (a deal's depth in each form); `depth`: the most
    steps a pipeline has."""
    at = moment(query)
    picked = "".join(f", {expr} AS g_{n}" for n, expr in groups)
    return f"""
WITH
d0 AS ({deals_as_of(at)}),
e AS ({events_as_of(at)}),
dk AS (
    SELECT d.opportunity_id, d.pipeline, d.stage, d.outcome{picked}
    FROM d0 d WHERE {where_sql(query.where)}
),
steps AS (
    SELECT pipeline, stage, category,
           ROW_NUMBER() OVER (PARTITION BY pipeline ORDER BY position, stage) AS step,
           COUNT(*) OVER (PARTITION BY pipeline) AS steps
    FROM stages WHERE category IN ('open', 'won')
),
numbered AS (
    SELECT opportunity_id, from_stage,
           ROW_NUMBER() OVER (PARTITION BY opportunity_id ORDER BY seq) AS n
    FROM e
),
entries AS (
    -- where each deal started (before its first event), then each stage an event entered
    SELECT k.opportunity_id, k.pipeline, COALESCE(f.from_stage, k.stage) AS stage, 0 AS seq
    FROM dk k LEFT JOIN numbered f ON f.opportunity_id = k.opportunity_id AND f.n = 1
    WHERE f.opportunity_id IS NULL OR f.from_stage IS NOT NULL
    UNION ALL
    SELECT k.opportunity_id, k.pipeline, e.to_stage AS stage, e.seq
    FROM e JOIN dk k ON k.opportunity_id = e.opportunity_id
),
stepped AS MATERIALIZED (
    SELECT n.opportunity_id, s.step, n.seq
    FROM entries n JOIN steps s ON s.pipeline = n.pipeline AND s.stage = n.stage
),
{_chain(depth)},
reached AS (SELECT opportunity_id, MAX(step) AS depth FROM stepped GROUP BY opportunity_id),
measured_deals AS (
    SELECT k.*, 'in_order' AS form, COALESCE(i.depth, 0) AS depth
    FROM dk k LEFT JOIN in_order i ON i.opportunity_id = k.opportunity_id
    UNION ALL
    SELECT k.*, 'reached' AS form, COALESCE(r.depth, 0) AS depth
    FROM dk k LEFT JOIN reached r ON r.opportunity_id = k.opportunity_id
)
"""


def _stage_sql(query: ReportQuery, groups: list[tuple[str, str]], depth: int) -> str:
    names = [f"g_{n}" for n, _ in groups]
    return f"""{_stage_ctes(query, groups, depth)},
measured AS (
    SELECT {"".join(f"{c}, " for c in names)}pipeline, form, depth, outcome
    FROM measured_deals WHERE pipeline IN (SELECT pipeline FROM steps)
),
{_tally(names, "stage")}
"""


def _lead_sql(query: ReportQuery, cuts: list[str]) -> str:
    at = moment(query)
    names = [f"g_{n}" for n in cuts]
    picked = "".join(f", {_lead_cut(n, query)} AS g_{n}" for n in cuts)
    where = ["TRUE"]
    for name, values in query.where.items():
        listed = ", ".join(text(v) for v in values)
        where.append(f"{LEAD_CUTS[name]} IN ({listed})" if values else "FALSE")
    qualified = ", ".join(text(s) for s in QUALIFIED_STATUSES)
    working = ", ".join(text(s) for s in WORKING_STATUSES)
    lost = ", ".join(text(s) for s in LOST_STATUSES)
    steps = " UNION ALL ".join(
        f"SELECT CAST(NULL AS VARCHAR) AS pipeline, {i} AS step, {text(s)} AS stage, "
        f"{text('won' if s == 'won' else 'open')} AS category, {len(LEAD_STEPS)} AS steps"
        for i, s in enumerate(LEAD_STEPS, start=1)
    )
    return f"""
WITH
d AS ({deals_as_of(at)}),
l0 AS ({leads_as_of(at)}),
lk AS (SELECT l.lead_id, l.status{picked} FROM l0 l WHERE {" AND ".join(where)}),
by_lead AS (
    SELECT lead_id, COUNT(*) AS deals,
           SUM(CASE WHEN outcome = 'won' THEN 1 ELSE 0 END) AS won,
           SUM(CASE WHEN outcome = 'open' THEN 1 ELSE 0 END) AS still_open
    FROM d WHERE lead_id IS NOT NULL GROUP BY lead_id
),
steps AS ({steps}),
measured AS (
    SELECT {"".join(f"k.{c}, " for c in names)}CAST(NULL AS VARCHAR) AS pipeline,
           'lead' AS form,
           CASE WHEN b.won > 0 THEN 4 WHEN b.deals > 0 THEN 3
                WHEN k.status IN ({qualified}) THEN 2 ELSE 1 END AS depth,
           CASE WHEN b.won > 0 THEN 'won'
                WHEN b.deals > 0 THEN CASE WHEN b.still_open > 0 THEN 'open' ELSE 'lost' END
                WHEN k.status IN ({qualified}) THEN 'open'
                WHEN k.status IN ({working}) THEN 'open'
                WHEN k.status IN ({lost}) THEN 'lost'
                ELSE 'parked' END AS outcome
    FROM lk k LEFT JOIN by_lead b ON b.lead_id = k.lead_id
),
{_tally(names, "lead")}
"""


def _period_kind(query: ReportQuery) -> str:
    """The kind of period a funnel is cut by: the query's period's, else quarters."""
    return parse_period(query.period).kind if query.period is not None else "quarter"


def _deal_cuts(query: ReportQuery) -> list[tuple[str, str]]:
    """(name, SQL expression over a deal `d`) per cut; a deal's period is its creation's."""
    kind = _period_kind(query)
    return [
        (n, period_label_sql("d.created_at", kind) if n == PERIOD else cut_sql(n)) for n in query.by
    ]


def _lead_cut(name: str, query: ReportQuery) -> str:
    if name == PERIOD:
        return period_label_sql(LEAD_CUTS[PERIOD], _period_kind(query))
    return LEAD_CUTS[name]


def _schema(by: tuple[str, ...]) -> pa.Schema:
    return pa.schema([(n, pa.string()) for n in by] + COLUMNS)


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, by: tuple[str, ...]) -> pa.Table:
    table = con.sql(sql).to_arrow_table()
    table = table.rename_columns([c[2:] if c.startswith("g_") else c for c in table.column_names])
    return table.select(_schema(by).names).cast(_schema(by))


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    rows = con.sql(sql).fetchall()
    return rows[0][0] if rows else None


def run(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> ReportResult:
    check_cuts(query, NAME, (*CUTS, PERIOD))
    if "pipeline" in query.by:
        # Every row of the funnel is already a pipeline's stage: the cut adds nothing.
        query = replace(query, by=tuple(b for b in query.by if b != "pipeline"))
    if PERIOD in query.where:
        raise PipefitError("the funnel is cut by period, not filtered by one", field="report.where")
    try:
        _period_kind(query)
    except PipefitError as error:
        raise PipefitError(error.message, field="period") from None
    at = moment(query)
    groups = _deal_cuts(query)
    notes: list[str] = []
    when = f" as of {at.isoformat()}" if at is not None else ""
    scope = f"WITH d0 AS ({deals_as_of(at)}) SELECT COUNT(*), " + (
        "SUM(CASE WHEN outcome = 'won' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN outcome = 'lost' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN outcome = 'open' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN pipeline IN (SELECT pipeline FROM stages "
        "WHERE category IN ('open', 'won')) THEN 0 ELSE 1 END) "
        f"FROM d0 d WHERE {where_sql(query.where)}"
    )
    counted = con.sql(scope).fetchall()
    deals, won, lost, still_open, unstaged = (int(v or 0) for v in counted[0])
    total_deals = int(_scalar(con, f"SELECT COUNT(*) FROM ({deals_as_of(at)}) x") or 0)
    if total_deals == 0:
        notes.append(f"no deal existed{when}: the funnel is empty")
    elif deals == 0:
        notes.append(f"no deal{when} matches the filter: the funnel is empty")
    if unstaged:
        notes.append(f"{unstaged} deal(s) are in a pipeline whose stages are unknown: left out")
    depth = int(
        _scalar(
            con,
            "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM stages "
            "WHERE category IN ('open', 'won') GROUP BY pipeline) s",
        )
        or 0
    )
    stage_rows = _fetch(con, _stage_sql(query, groups, depth), query.by)
    # Every deal of a staged pipeline is in the "reached" form; those at step 1 or beyond
    # are its count at step 1: the rest entered none of the steps.
    first = pc.and_(
        pc.equal(stage_rows.column("form"), "reached"), pc.equal(stage_rows.column("step"), 1)
    )
    outside = (deals - unstaged) - int(
        pc.sum(stage_rows.filter(first).column("count")).as_py() or 0
    )
    if outside:
        notes.append(f"{outside} deal(s) entered none of their pipeline's open or won stages")

    lead_cuts = set(query.by) | set(query.where)
    summary: dict[str, Any] = {
        "deals": deals,
        "won": won,
        "lost": lost,
        "open": still_open,
    }
    if lead_cuts <= set(LEAD_CUTS):
        lead_rows = _fetch(con, _lead_sql(query, list(query.by)), query.by)
        leads = int(_scalar(con, f"SELECT COUNT(*) FROM ({leads_as_of(at)}) x") or 0)
        summary["leads"] = leads
        if leads == 0:
            notes.append(f"no lead{when}: the lead funnel is empty")
        if at is not None:
            notes.append(
                "lead statuses have no history: the lead funnel uses each lead's status as "
                "it stands now (its deals and their outcomes are replayed)"
            )
        rows = pa.concat_tables([stage_rows, lead_rows])
    else:
        others = sorted(lead_cuts - set(LEAD_CUTS))
        notes.append(
            "the lead funnel is cut only by segment and source (a lead has no "
            + ", ".join(others)
            + "): left out"
        )
        rows = stage_rows
    definitions = dict(DEFINITIONS)
    if PERIOD in query.by:
        definitions[PERIOD] = (
            f"one funnel per {_period_kind(query)} of creation: a deal's period is that of its "
            "creation (the lead funnel: the lead's), whatever happened to it later"
        )
    return ReportResult(name=NAME, rows=rows, summary=summary, definitions=definitions, notes=notes)


def chart(result: ReportResult) -> Any:
    """The funnel as bars: count per step with its share of the first step, one panel per
    pipeline and form (each panel lists only its own steps)."""
    import altair as alt

    records = [
        {
            **r,
            "panel": f"{r['pipeline'] or 'leads'}: {r['form'].replace('_', ' ')}",
            "label": f"{r['step']}. {r['stage']}",
            "share": f"{int((r['conversion_from_first'] or 0) * 1000) / 10:.1f}%",
        }
        for r in result.rows.to_pylist()
    ]
    base = alt.Chart().encode(
        y=alt.Y("label:N", sort=None, title=None),
        x=alt.X("count:Q", title="deals (leads)"),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("form:N", legend=None),
        tooltip=[
            "stage:N",
            "count:Q",
            alt.Tooltip("conversion_to_next:Q", format=".1%"),
            alt.Tooltip("conversion_from_first:Q", format=".1%"),
            "drop_out:Q",
        ],
    )
    labels = base.mark_text(align="left", dx=3).encode(text="share:N")
    return (
        alt.layer(bars, labels, data=alt.Data(values=records))  # type: ignore[no-untyped-call]
        .properties(width=320)
        .facet(facet=alt.Facet("panel:N", title=None), columns=2)
        .resolve_scale(y="independent")
        .properties(title=TITLE)
    )
