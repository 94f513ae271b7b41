"""signals: how far enterprise deals progressed (meetings -> demos -> technical discussion ->
procurement -> purchase order) and where they dropped out; for SMB deals, which usage
signals preceded the close and by how much they raise the win rate.

The vocabulary and the formulas are `domain.metrics.signals` (the oracle): activity kinds
per step, per usage signal, Wilson and Newcombe intervals. The counts are SQL over the
deals and activities as of the as-of moment; the rates and intervals are computed from
those counts (one row per step or signal). Enterprise deals are those of the segment
"enterprise"; SMB deals every other known segment (deals without an account have no
segment and are left out of both).

One record per step (`section` "progression") and per signal (`section` "usage").
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from pipefit.analytics.query import ReportQuery
from pipefit.analytics.replay import activities_as_of
from pipefit.analytics.reports._stays import quote, scope
from pipefit.analytics.reports.time_in_stage import rounded
from pipefit.analytics.result import ReportResult
from pipefit.domain.metrics import signals as oracle

__all__ = ["NAME", "TITLE", "chart", "run"]

NAME = "signals"
TITLE = "Buying signals: enterprise progression and SMB usage signals"
# The relations it reads (the replay of deals to a past moment reads events, changes and
# stages too): the others are not read from the workspace at all.
READS = frozenset({"deals", "events", "changes", "stages", "activities"})
# What the terminal shows (views.reports): one table per section.
TABLE_COLUMNS = (
    "signal",
    "reached",
    "dropped_out",
    "still_open",
    "won",
    "deals_with",
    "win_rate_with",
    "win_rate_without",
    "lift",
    "lift_low",
    "lift_high",
    "median_lead_days",
)
TABLE_SPLIT = ("section",)
ENTERPRISE = "enterprise"

DEFINITIONS = {
    "reached": "enterprise deals whose furthest step (the latest step they have an "
    "activity for) is this step or later",
    "dropped_out": "enterprise deals lost with this as their furthest step",
    "win_rate_with": "won / (won + lost) of closed SMB deals whose signal came at or "
    "before the close",
    "win_rate_without": "won / (won + lost) of closed SMB deals without the signal before "
    "the close",
    "lift": "win_rate_with - win_rate_without; lift_low..lift_high is Newcombe's 95% "
    "interval for a difference of proportions (hybrid Wilson score)",
    "median_lead_days": "median days from the signal's first activity to the win, over "
    "won deals with the signal",
}

_STEPS = ", ".join(f"({i}, {quote(name)})" for i, name in enumerate(("none", *oracle.STEPS)))
_STEP_CASE = " ".join(f"WHEN {quote(k)} THEN {s}" for k, s in oracle.STEP_KINDS.items())
_USAGE = ", ".join(f"({quote(s)}, {quote(k)})" for s, k in oracle.USAGE.items())
# Only the activities of these kinds count: reading the others (most of the log) is waste.
_STEP_KIND_LIST = ", ".join(quote(k) for k in oracle.STEP_KINDS)
_USAGE_KIND_LIST = ", ".join(quote(k) for k in oracle.USAGE.values())

_PROGRESSION = """
WITH
d AS ({deals}),
a AS ({activities}),
steps AS (
    SELECT opportunity_id, MAX(CASE kind {step_case} ELSE 0 END) AS furthest
    FROM a WHERE kind IN ({step_kinds}) GROUP BY opportunity_id
),
ent AS (
    SELECT d.*, COALESCE(s.furthest, 0) AS furthest
    FROM d LEFT JOIN steps s ON s.opportunity_id = d.opportunity_id
    WHERE d.segment = '{enterprise}'
),
lv AS (SELECT * FROM (VALUES {steps}) AS t(step, name))
SELECT {keys}lv.step, lv.name AS signal,
       COUNT(*) FILTER (WHERE ent.furthest >= lv.step) AS reached,
       COUNT(*) FILTER (WHERE ent.furthest = lv.step AND ent.outcome = 'lost') AS dropped_out,
       COUNT(*) FILTER (WHERE ent.furthest = lv.step AND ent.outcome = 'open') AS still_open,
       COUNT(*) FILTER (WHERE ent.furthest = lv.step AND ent.outcome = 'won') AS won
FROM ent CROSS JOIN lv
GROUP BY {keys}lv.step, lv.name
ORDER BY {keys}lv.step
"""

_USAGE_SQL = """
WITH
d AS ({deals}),
a AS ({activities}),
closed AS (
    SELECT d.* FROM d
    WHERE d.outcome IN ('won', 'lost') AND d.segment IS NOT NULL
      AND d.segment <> '{enterprise}'
),
sig AS (
    SELECT opportunity_id, kind, MIN("at") AS first_at FROM a
    WHERE kind IN ({usage_kinds})
      AND opportunity_id IN (SELECT opportunity_id FROM closed)
    GROUP BY opportunity_id, kind
),
sk AS (SELECT * FROM (VALUES {usage}) AS t(signal, kind))
SELECT {keys}sk.signal,
       COUNT(*) FILTER (WHERE s.opportunity_id IS NOT NULL) AS deals_with,
       COUNT(*) FILTER (WHERE s.opportunity_id IS NOT NULL AND c.outcome = 'won') AS won_with,
       COUNT(*) FILTER (WHERE s.opportunity_id IS NULL) AS deals_without,
       COUNT(*) FILTER (WHERE s.opportunity_id IS NULL AND c.outcome = 'won') AS won_without,
       percentile_cont(0.5) WITHIN GROUP (
           ORDER BY (EXTRACT(EPOCH FROM c.closed_at) - EXTRACT(EPOCH FROM s.first_at)) / 86400.0
       ) FILTER (WHERE s.opportunity_id IS NOT NULL AND c.outcome = 'won') AS median_lead_days
FROM closed c CROSS JOIN sk
LEFT JOIN sig s
    ON s.opportunity_id = c.opportunity_id AND s.kind = sk.kind AND s.first_at <= c.closed_at
GROUP BY {keys}sk.signal
ORDER BY {keys}sk.signal
"""

_INT = ("step", "reached", "dropped_out", "still_open", "won", "deals_with", "won_with")
_INT2 = ("deals_without", "won_without")
_FLOAT = ("win_rate_with", "win_rate_without", "lift", "lift_low", "lift_high")


def _schema(keys: tuple[str, ...]) -> pa.Schema:
    return pa.schema(
        [
            *((k, pa.string()) for k in keys),
            ("section", pa.string()),
            ("signal", pa.string()),
            *((n, pa.int64()) for n in (*_INT, *_INT2)),
            *((n, pa.float64()) for n in (*_FLOAT, "median_lead_days")),
        ]
    )


def run(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> ReportResult:
    s = scope(con, query, periods=False, extra=("period",))
    cuts = tuple(k for k in dict.fromkeys(query.by) if k in s.keys or k == "period")
    keys = "".join(f'"{k}", ' for k in cuts)
    deals = s.deals_sql(("outcome", "closed_at", "segment", "expected_close"))
    if "period" in cuts:
        # A deal's quarter of close, else of expected close (as kpis and pairs cut it).
        label = s.period_label("x.closed_at")
        expected = s.period_label("x.expected_close")
        deals = (
            f"SELECT x.*, CASE WHEN x.closed_at IS NOT NULL THEN {label} ELSE {expected} END "
            f'AS "period" FROM ({deals}) x'
        )
    parts = {
        "deals": deals,
        "activities": activities_as_of(query.as_of),
        "keys": keys,
        "enterprise": ENTERPRISE,
    }
    steps = con.sql(
        _PROGRESSION.format(step_case=_STEP_CASE, steps=_STEPS, step_kinds=_STEP_KIND_LIST, **parts)
    ).to_arrow_table()
    usage = con.sql(
        _USAGE_SQL.format(usage=_USAGE, usage_kinds=_USAGE_KIND_LIST, **parts)
    ).to_arrow_table()
    records: list[dict[str, Any]] = [
        {**r, "section": "progression"} for r in steps.to_pylist()
    ]  # one row per step and group
    for r in usage.to_pylist():  # one row per signal and group
        found = oracle.lift(r["won_with"], r["deals_with"], r["won_without"], r["deals_without"])
        records.append(
            {
                **r,
                "section": "usage",
                "win_rate_with": found.rate_with,
                "win_rate_without": found.rate_without,
                "lift": found.difference,
                "lift_low": found.low,
                "lift_high": found.high,
            }
        )
    schema = _schema(cuts)
    rows = rounded(pa.Table.from_pylist(records, schema=schema))
    notes = []
    if steps.num_rows == 0:
        notes.append("No enterprise deal in this scope: no progression to show.")
    if usage.num_rows == 0:
        notes.append("No closed SMB deal in this scope: no usage signal to weigh.")
    summary: dict[str, Any] = {
        "enterprise_deals": sum(r["reached"] for r in records if r.get("step") == 0),
        "closed_smb_deals": (usage.column("deals_with")[0].as_py() or 0)
        + (usage.column("deals_without")[0].as_py() or 0)
        if usage.num_rows and not cuts
        else None,
        "as_of": s.moment.isoformat(),
    }
    return ReportResult(NAME, rows, summary, dict(DEFINITIONS), notes)


def chart(result: ReportResult) -> Any:
    """The lift of each usage signal with its interval, beside the progression funnel."""
    import altair as alt

    rows = result.rows.to_pylist()
    usage = [r for r in rows if r["section"] == "usage" and r["lift"] is not None]
    base = alt.Chart({"values": usage}).encode(y=alt.Y("signal:N", title=None))
    lift = alt.layer(
        base.mark_rule().encode(
            x=alt.X("lift_low:Q", title="win-rate lift (with - without)"), x2="lift_high:Q"
        ),
        base.mark_point(filled=True, size=80).encode(
            x="lift:Q", tooltip=["signal:N", "win_rate_with:Q", "win_rate_without:Q", "lift:Q"]
        ),
    ).properties(title="SMB usage signals: win-rate lift (95% interval)", width=360)
    steps = [r for r in rows if r["section"] == "progression" and r["step"]]
    funnel = (
        alt.Chart({"values": steps})
        .mark_bar()
        .encode(
            x=alt.X("reached:Q", title="enterprise deals reaching the step"),
            y=alt.Y("signal:N", sort=alt.EncodingSortField("step"), title=None),
            tooltip=["signal:N", "reached:Q", "dropped_out:Q"],
        )
        .properties(title="Enterprise progression", width=360)
    )
    return alt.vconcat(lift, funnel)
