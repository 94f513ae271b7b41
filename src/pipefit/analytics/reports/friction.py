"""friction: stages much longer than the others or than their own past, stages that hide
two steps (a split suggestion with its evidence), stages that are wide, passed in minutes
or skipped, and deals stalled beyond their stage's p90.

The rules and their thresholds are `domain.metrics.friction` (the oracle); the figures
they read (medians, p90s, spreads, the best two-group split of log durations, skip
shares) are computed here in SQL over the stage visits of `time-in-stage` (completed stage
visits; with a period, those that ended in it, compared with the period before). One
record per finding: `finding` is long, slower, two_humps, wide, minutes, skipped or
stalled; stage findings leave the deal columns null, stalled ones name the deal, its owner
and presales engineer.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pyarrow as pa

from pipefit.analytics.query import ReportQuery
from pipefit.analytics.replay import events_as_of, literal
from pipefit.analytics.reports._stays import Scope, quote, scope, visits_sql
from pipefit.analytics.reports.time_in_stage import rounded
from pipefit.analytics.result import ReportResult
from pipefit.domain.metrics import friction as rules
from pipefit.domain.periods import Period

__all__ = ["NAME", "TITLE", "chart", "run"]

NAME = "friction"
TITLE = "Friction: long, two-humped, skipped and stalled stages"
# The relations it reads (the replay of deals to a past moment reads events, changes and
# stages too): the others are not read from the workspace at all.
READS = frozenset({"deals", "events", "changes", "stages"})
# What the terminal shows (views.reports): findings as a list, stalled deals apart.
TABLE_COLUMNS = ("stage", "finding", "detail", "owner_id", "presales_id")
TEMP = "friction_visits"

DEFINITIONS = {
    "long": f"the stage's median completed visit is over {rules.LONG_RATIO:g} times the "
    "median of its pipeline's stage medians (ratio = median / typical)",
    "slower": f"the stage's median in the period is over {rules.SLOWER_RATIO:g} times its "
    f"median in the period before ({rules.MIN_COMPARED} completed visits or more in each)",
    "two_humps": "split suggestion, for a stage not passed in minutes: on ln(days + 1 minute), "
    "the best two-group split (each "
    "group a normal with its own mean, spread and share) beats one normal by BIC by over "
    f"{rules.SPLIT_BIC:g} ({rules.MIN_SPLIT_VISITS} visits or more, "
    f"{rules.MIN_HUMP_SHARE:.0%} or more in each hump); delta_bic = BIC(one) - BIC(two)",
    "wide": "not passed in minutes nor two humps, but the standard deviation of ln(days) "
    f"is over {rules.WIDE_SD:g}",
    "minutes": "the stage's median completed visit is under an hour",
    "skipped": f"of the deals that got past the stage (reached a later open stage or won), "
    f"{rules.SKIP_SHARE:.0%} or more never visited it (share)",
    "stalled": "a deal in the stage now for longer than the stage's p90 of completed visits "
    f"({rules.MIN_STALL_VISITS} completed visits or more)",
}

_KEYED = ("pipeline", "stage")
_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("pipeline", pa.string()),
    ("stage", pa.string()),
    ("finding", pa.string()),
    ("opportunity_id", pa.string()),
    ("owner_id", pa.string()),
    ("presales_id", pa.string()),
    ("visits", pa.int64()),
    ("value_days", pa.float64()),
    ("reference_days", pa.float64()),
    ("ratio", pa.float64()),
    ("share", pa.float64()),
    ("split_at_days", pa.float64()),
    ("low_median_days", pa.float64()),
    ("low_share", pa.float64()),
    ("high_median_days", pa.float64()),
    ("high_share", pa.float64()),
    ("delta_bic", pa.float64()),
    ("detail", pa.string()),
]


def _schema(s: Scope) -> pa.Schema:
    return pa.schema([*((k, pa.string()) for k in s.keys), *_COLUMNS])


def _group(s: Scope, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return "".join(f'{prefix}"{k}", ' for k in s.keys) + f"{prefix}pipeline, {prefix}stage"


def _same(s: Scope, a: str, b: str, columns: tuple[str, ...] = _KEYED) -> str:
    names = [f'"{k}"' for k in s.keys] + list(columns)
    return " AND ".join(f"{a}.{n} IS NOT DISTINCT FROM {b}.{n}" for n in names)


def _ended_in(period: Period | None) -> str:
    if period is None:
        return ""
    return f" AND ended_at >= {literal(period.start_at)} AND ended_at < {literal(period.end_at)}"


_STAGES = """
WITH
done AS (SELECT * FROM {temp} WHERE level = 'stage' AND is_open = 0{now}),
st AS (
    SELECT {group}, MIN(position) AS position, COUNT(*) AS visits,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY days) AS p90_days,
           STDDEV_POP(LN(days + {minute})) AS log_sd
    FROM done GROUP BY {group}
),
typ AS (
    SELECT {keys}pipeline, COUNT(*) AS stages,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY median_days) AS typical_days
    FROM st GROUP BY {keys}pipeline
),
past AS (
    SELECT {group}, COUNT(*) AS visits_before,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_before
    FROM {temp} WHERE level = 'stage' AND is_open = 0{before} GROUP BY {group}
)
SELECT st.*, typ.stages, typ.typical_days, past.visits_before, past.median_before
FROM st
JOIN typ ON {same_pipeline}
LEFT JOIN past ON {same_stage}
ORDER BY {st_group}
"""

_SPLITS = """
WITH
x AS (
    SELECT {group}, days, LN(days + {minute}) AS x
    FROM {temp} WHERE level = 'stage' AND is_open = 0{now}
),
tot AS (
    SELECT {group}, COUNT(*) AS n, SUM(x) AS s, SUM(x * x) AS q FROM x GROUP BY {group}
),
c AS (
    SELECT {x_group}, x.x, t.n, t.s, t.q,
           ROW_NUMBER() OVER w AS k,
           SUM(x.x) OVER upto AS s1,
           SUM(x.x * x.x) OVER upto AS q1,
           LEAD(x.x) OVER w AS next_x
    FROM x JOIN tot t ON {xt_same}
    WINDOW w AS (PARTITION BY {x_group} ORDER BY x.x),
           upto AS (PARTITION BY {x_group} ORDER BY x.x
                    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
fit AS (
    SELECT c.*,
           s1 / k AS m1, (s - s1) / (n - k) AS m2
    FROM c
    WHERE n >= {min_visits} AND next_x > x
      AND k >= CEIL({min_share} * n) AND n - k >= CEIL({min_share} * n)
),
scored AS MATERIALIZED (
    -- computed once: the best split is found by equality with its maximum
    SELECT fit.*,
           -k / 2.0 * (LN({two_pi} * CASE WHEN q1 / k - m1 * m1 < {floor} THEN {floor}
                                          ELSE q1 / k - m1 * m1 END) + 1)
           - (n - k) / 2.0 * (LN({two_pi} * CASE
                 WHEN (q - q1) / (n - k) - m2 * m2 < {floor} THEN {floor}
                 ELSE (q - q1) / (n - k) - m2 * m2 END) + 1)
           + k * LN(1.0 * k / n) + (n - k) * LN(1.0 * (n - k) / n) AS loglik
    FROM fit
),
top AS (SELECT {group}, MAX(loglik) AS loglik FROM scored GROUP BY {group}),
first_top AS (
    -- the best split; among equally good ones, the lowest
    SELECT {sc_group}, MIN(sc.k) AS k
    FROM scored sc JOIN top ON {top_same} AND sc.loglik = top.loglik
    GROUP BY {sc_group}
),
best AS (SELECT sc.* FROM scored sc JOIN first_top f ON {f_same} AND sc.k = f.k),
humps AS (
    SELECT {x_group},
           percentile_cont(0.5) WITHIN GROUP (ORDER BY x.days) FILTER (WHERE x.x <= b.x)
               AS low_median_days,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY x.days) FILTER (WHERE x.x > b.x)
               AS high_median_days
    FROM x JOIN best b ON {x_same}
    GROUP BY {x_group}
)
SELECT {b_group}, b.n, b.k, b.s1, b.q1, b.s, b.q, b.x AS low_x, b.next_x AS high_x,
       h.low_median_days, h.high_median_days
FROM best b JOIN humps h ON {h_same}
"""

_STALLED = """
WITH
d AS ({deals}),
done AS (SELECT * FROM {temp} WHERE level = 'stage' AND is_open = 0{now}),
st AS (
    SELECT {group}, COUNT(*) AS visits,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY days) AS p90_days
    FROM done GROUP BY {group}
)
SELECT {o_group}, 'stalled' AS finding, o.opportunity_id, d.owner_id, d.presales_id,
       st.visits, o.days AS value_days, st.p90_days AS reference_days,
       CASE WHEN st.p90_days > 0 THEN o.days / st.p90_days END AS ratio
FROM {temp} o JOIN st ON {same}
JOIN d ON d.opportunity_id = o.opportunity_id
WHERE o.level = 'stage' AND o.is_open = 1 AND st.visits >= {min_visits}
  AND o.days > st.p90_days
ORDER BY {o_group}, o.days DESC, o.opportunity_id
"""

# Whether a deal visited a stage is whether an event entered it (a visit starts at every
# change of stage): one pass over the log, a column per open stage, no join with the visits.
_SKIPPED = """
WITH
d AS ({deals}),
e AS ({events}),
reached AS (
    SELECT {d_keys}e.opportunity_id, e.pipeline,
           MAX(e.position) FILTER (WHERE e.category <> 'lost') AS position{visited}
    FROM e{in_scope}
    GROUP BY {d_keys}e.opportunity_id, e.pipeline
)
SELECT {r_keys}st.pipeline, st.stage,
       COUNT(*) AS passed,
       CAST(SUM(CASE {unvisited} ELSE 0 END) AS BIGINT) AS skipped
FROM reached r
JOIN stages st ON st.pipeline = r.pipeline AND st.category = 'open' AND st.position < r.position
GROUP BY {r_keys}st.pipeline, st.stage
"""


def _fmt(days: float) -> str:
    if days < 1 / 24:
        return f"{days * 1440:.0f} minutes"
    if days < 1:
        return f"{days * 24:.1f} hours"
    return f"{days:.1f} days"


def _finding(s: Scope, row: dict[str, Any], finding: str, **values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {k: row.get(k) for k in s.keys}
    out.update(pipeline=row["pipeline"], stage=row["stage"], finding=finding)
    out.update(values)
    return out


def _stage_findings(
    s: Scope, stages: list[dict[str, Any]], splits: dict[tuple[Any, ...], rules.Split]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for row in stages:
        key = tuple(row[k] for k in (*s.keys, "pipeline", "stage"))
        median, typical = row["median_days"], row["typical_days"]
        if row["stages"] >= 2 and typical and median > rules.LONG_RATIO * typical:
            found.append(
                _finding(
                    s, row, "long", visits=row["visits"], value_days=median,
                    reference_days=typical, ratio=median / typical,
                    detail=f"median {_fmt(median)} against a typical stage's {_fmt(typical)}",
                )
            )  # fmt: skip
        before = row["median_before"]
        if (
            s.period is not None
            and before
            and row["visits"] >= rules.MIN_COMPARED
            and (row["visits_before"] or 0) >= rules.MIN_COMPARED
            and median > rules.SLOWER_RATIO * before
        ):
            found.append(
                _finding(
                    s, row, "slower", visits=row["visits"], value_days=median,
                    reference_days=before, ratio=median / before,
                    detail=f"median {_fmt(median)} in {s.period.label} against "
                    f"{_fmt(before)} in {rules.previous_period(s.period).label}",
                )
            )  # fmt: skip
        split = splits.get(key)
        if median < rules.MINUTES_DAYS:
            # A stage passed in minutes is a stage nobody works: its spread of minutes
            # is no evidence of two hidden steps.
            found.append(
                _finding(
                    s, row, "minutes", visits=row["visits"], value_days=median,
                    detail=f"passed in {_fmt(median)} (median): a stage nobody works?",
                )
            )  # fmt: skip
        elif split is not None and split.suggested:
            found.append(
                _finding(
                    s, row, "two_humps", visits=row["visits"], value_days=median,
                    split_at_days=split.at_days, low_median_days=split.low_median_days,
                    low_share=split.low_share, high_median_days=split.high_median_days,
                    high_share=split.high_share, delta_bic=split.delta_bic,
                    detail=f"looks like two steps: {split.low_share:.0%} of visits take about "
                    f"{_fmt(split.low_median_days)}, {split.high_share:.0%} about "
                    f"{_fmt(split.high_median_days)} (split at {_fmt(split.at_days)}; two "
                    f"lognormals beat one by {split.delta_bic:.1f} BIC): consider splitting it",
                )
            )  # fmt: skip
        elif row["log_sd"] is not None and row["log_sd"] > rules.WIDE_SD:
            found.append(
                _finding(
                    s, row, "wide", visits=row["visits"], value_days=median,
                    reference_days=row["p90_days"], ratio=row["log_sd"],
                    detail=f"durations spread widely (sd of ln days {row['log_sd']:.2f}; "
                    f"p90 {_fmt(row['p90_days'])})",
                )
            )  # fmt: skip
    return found


def _splits(con: duckdb.DuckDBPyConnection, s: Scope) -> dict[tuple[Any, ...], rules.Split]:
    sql = _SPLITS.format(
        temp=TEMP,
        group=_group(s),
        x_group=_group(s, "x"),
        b_group=_group(s, "b"),
        x_same=_same(s, "x", "b"),
        h_same=_same(s, "h", "b"),
        xt_same=_same(s, "x", "t"),
        sc_group=_group(s, "sc"),
        top_same=_same(s, "sc", "top"),
        f_same=_same(s, "sc", "f"),
        now=_ended_in(s.period),
        minute=repr(rules.MINUTE_DAYS),
        min_visits=rules.MIN_SPLIT_VISITS,
        min_share=repr(rules.MIN_HUMP_SHARE),
        two_pi=repr(2 * math.pi),
        floor=repr(rules.VAR_FLOOR),
    )
    found: dict[tuple[Any, ...], rules.Split] = {}
    for r in con.sql(sql).to_arrow_table().to_pylist():  # one row per stage
        delta = rules.split_evidence(r["n"], r["k"], r["s1"], r["q1"], r["s"], r["q"])
        found[tuple(r[k] for k in (*s.keys, "pipeline", "stage"))] = rules.Split(
            at_days=math.exp((r["low_x"] + r["high_x"]) / 2) - rules.MINUTE_DAYS,
            low_median_days=r["low_median_days"],
            low_share=r["k"] / r["n"],
            high_median_days=r["high_median_days"],
            high_share=(r["n"] - r["k"]) / r["n"],
            delta_bic=delta,
            suggested=delta > rules.SPLIT_BIC,
        )
    return found


def _skipped(con: duckdb.DuckDBPyConnection, s: Scope) -> list[dict[str, Any]]:
    keys = "".join(f'd."{k}", ' for k in s.keys if k != "period")
    r_keys = "".join(f'r."{k}", ' for k in s.keys if k != "period")
    stages = con.sql(
        "SELECT pipeline, stage FROM stages WHERE category = 'open' ORDER BY pipeline, stage"
    ).fetchall()
    if not stages:
        return []
    visited = "".join(
        f",\n           MAX(CASE WHEN e.pipeline = {quote(pipeline)} AND e.to_stage = "
        f"{quote(stage)} AND e.category = 'open' THEN 1 ELSE 0 END) AS v{i}"
        for i, (pipeline, stage) in enumerate(stages)
    )
    unvisited = " ".join(
        f"WHEN st.pipeline = {quote(pipeline)} AND st.stage = {quote(stage)} THEN 1 - r.v{i}"
        for i, (pipeline, stage) in enumerate(stages)
    )
    whole = s.query.as_of is None and not s.query.where and not keys
    sql = _SKIPPED.format(
        deals=s.deals_sql(),
        events=events_as_of(s.query.as_of),
        in_scope="" if whole else " JOIN d ON d.opportunity_id = e.opportunity_id",
        visited=visited,
        unvisited=unvisited,
        d_keys=keys,
        r_keys=r_keys,
    )
    found = []
    for r in con.sql(sql).to_arrow_table().to_pylist():  # one row per stage
        share = r["skipped"] / r["passed"] if r["passed"] else None
        if share is not None and share >= rules.SKIP_SHARE:
            found.append(
                _finding(
                    s, r, "skipped", visits=r["passed"], share=share,
                    detail=f"{r['skipped']} of {r['passed']} deals that got past it "
                    "never visited it",
                )
            )  # fmt: skip
    return found


def run(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> ReportResult:
    s = scope(con, query)
    schema = _schema(s)
    con.sql(
        f"CREATE OR REPLACE TEMP TABLE {TEMP} AS "
        f"WITH {visits_sql(s, substates=False)} SELECT * FROM v"
    )
    try:
        previous = rules.previous_period(s.period) if s.period is not None else None
        stage_sql = _STAGES.format(
            temp=TEMP,
            now=_ended_in(s.period),
            before=_ended_in(previous) if previous is not None else " AND 1 = 0",
            group=_group(s),
            st_group=_group(s, "st"),
            keys="".join(f'"{k}", ' for k in s.keys),
            same_pipeline=_same(s, "typ", "st", ("pipeline",)),
            same_stage=_same(s, "past", "st"),
            minute=repr(rules.MINUTE_DAYS),
        )
        stages = con.sql(stage_sql).to_arrow_table().to_pylist()  # one row per stage
        found = _stage_findings(s, stages, _splits(con, s))
        if "period" not in s.keys:  # skips are about deals, not about when visits ended
            found += _skipped(con, s)
        stalled = con.sql(
            _STALLED.format(
                temp=TEMP,
                deals=s.deals_sql(("owner_id", "presales_id")),
                now=_ended_in(s.period),
                group=_group(s),
                o_group=_group(s, "o"),
                same=_same(s, "o", "st"),
                min_visits=rules.MIN_STALL_VISITS,
            )
        ).to_arrow_table()
    finally:
        con.sql(f"DROP TABLE IF EXISTS {TEMP}")
    stage_table = pa.Table.from_pylist(found, schema=schema)
    stalled_table = pa.table(
        {
            f.name: stalled.column(f.name).cast(f.type)
            if f.name in stalled.column_names
            else pa.nulls(stalled.num_rows, f.type)
            for f in schema
        },
        schema=schema,
    )
    rows = rounded(pa.concat_tables([stage_table, stalled_table]))
    counts = {name: 0 for name in DEFINITIONS}
    for name in rows.column("finding").to_pylist():
        counts[name] += 1
    notes = [
        "Durations are completed stage visits (see time-in-stage); stalled deals are open "
        "visits at the as-of moment.",
    ]
    if not stages:
        notes.append("No completed stage visit in this scope: nothing to measure friction on.")
    if s.period is None:
        notes.append("No period given: no comparison with the period before.")
    summary: dict[str, Any] = {
        "findings": counts,
        "as_of": s.moment.isoformat(),
        "period": s.period.label if s.period is not None else None,
    }
    return ReportResult(NAME, rows, summary, dict(DEFINITIONS), notes)


def chart(result: ReportResult) -> Any:
    """Stalled deals per stage and the stage findings, as counts per finding."""
    import altair as alt

    values = [{"stage": r["stage"], "finding": r["finding"]} for r in result.rows.to_pylist()]
    return (
        alt.Chart({"values": values})
        .mark_bar()
        .encode(
            x=alt.X("count():Q", title="findings"),
            y=alt.Y("stage:N", title=None),
            color=alt.Color("finding:N"),
        )
        .properties(title="Friction findings per stage", width=420)
    )
