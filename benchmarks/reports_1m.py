"""The reports of issue 9 over the 1,000,000-opportunity sample company (~5.1 million
stage events, 9.7 million activities, 1.3 million leads).

Measured, each step in a fresh process (so peak memory is its own):
- the first build of the columnar copy of the stage log (`.pipefit/analytics`), alone;
- its refresh after 1,000 new events (imported as a small stage_events file, as an
  incremental export is), against that build: target under 5%;
- each report (not charts, not the backtest) as `pipefit report NAME` runs it (the
  relations read from the database and the copy, then the report's SQL), against the
  reference: hand-written DuckDB SQL computing the same headline figures from Parquet
  files of the same deals and effective events (and leads, activities), in the same run:
  target at most 1.5x;
- forecast-backtest over 8 quarters: target under 30 s;
- peak memory of every step: target under 3 GB.

Data: the company of `import_1m.py` (generated into benchmarks/.work if absent). The
workspace is benchmarks/.work/reports-workspace, built once and reused: a copy of the
import benchmark's database when it holds the 1M opportunities, else a fresh import;
then pools, quotas, customer outcomes and activities are imported into it. Every run adds
1,000 events to it (deals move one stage on).
Run: `.venv/bin/python benchmarks/reports_1m.py [--json]` (or `make bench`).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from common import WORK, machine, run_measured

# opportunity_changes: the amount and close-date history flow replays (a company generated
# before it existed has no such file, and no expected close dates: flow and forecast are then
# nearly empty)
SMALL = ["pools", "pool_members", "quotas", "customer_outcomes", "activities", "opportunity_changes"]
NEW_EVENTS = 1_000
PERIOD = "2025Q4"  # the sample's last quarter (its log ends on 2025-12-31)
REPORTS = ["time-in-stage", "friction", "funnel", "flow", "kpis", "pairs", "signals", "forecast"]

# --- the reference: plain DuckDB SQL over Parquet files -----------------------------------
# {d}, {e}, {l}, {a}: read_parquet of deals, effective events, leads, activities.
_VISITS = """
visits AS (
    SELECT e.opportunity_id, e.pipeline, e.to_stage AS stage, e.substate,
           (epoch(LEAD(e."at") OVER (PARTITION BY e.opportunity_id ORDER BY e.seq))
            - epoch(e."at")) / 86400.0 AS days
    FROM {e} e
)"""
REFERENCE_SQL = {
    # completed visits per stage and sub-state: count, mean, median, p75, p90; open visits
    "time-in-stage": "WITH"
    + _VISITS
    + """
SELECT pipeline, stage, substate, count(days) AS visits, avg(days) AS mean_days,
       quantile_cont(days, 0.5) AS median_days, quantile_cont(days, 0.75) AS p75_days,
       quantile_cont(days, 0.9) AS p90_days, count(*) - count(days) AS open_visits
FROM visits GROUP BY ALL ORDER BY ALL""",
    # per stage: spread (p90 / median) and quick passes; the deals stalled beyond the p90
    "friction": "WITH"
    + _VISITS
    + """,
spread AS (
    SELECT pipeline, stage, quantile_cont(days, 0.5) AS median_days,
           quantile_cont(days, 0.9) AS p90_days, count(days) AS visits,
           count(*) FILTER (WHERE days < 1.0 / 24) AS quick
    FROM visits GROUP BY ALL
),
last_event AS (
    SELECT opportunity_id, max("at") AS entered_at FROM {e} GROUP BY opportunity_id
)
SELECT d.opportunity_id, d.owner_id, d.presales_id, d.stage,
       (epoch(TIMESTAMPTZ '2026-01-01 00:00:00+00') - epoch(l.entered_at)) / 86400.0 AS days,
       s.p90_days, s.p90_days / s.median_days AS spread, s.quick
FROM {d} d JOIN last_event l USING (opportunity_id)
JOIN spread s ON s.pipeline = d.pipeline AND s.stage = d.stage
WHERE d.outcome = 'open'
  AND epoch(TIMESTAMPTZ '2026-01-01 00:00:00+00') - epoch(l.entered_at) > s.p90_days * 86400""",
    # deals reaching each stage at all, and in order; lead -> opportunity -> won per segment
    "funnel": """
WITH reached AS (
    SELECT pipeline, to_stage AS stage, position,
           count(DISTINCT opportunity_id) AS reached,
           count(DISTINCT opportunity_id) FILTER (WHERE seq = position) AS in_order
    FROM {e} GROUP BY ALL
),
leads AS (
    SELECT l.segment, l.lead_source AS source, count(*) AS leads,
           count(*) FILTER (WHERE l.status = 'qualified') AS qualified
    FROM {l} l GROUP BY ALL
),
opps AS (
    SELECT segment, source, count(*) AS opportunities,
           count(*) FILTER (WHERE outcome = 'won') AS won
    FROM {d} GROUP BY ALL
)
SELECT 'stage' AS kind, pipeline, stage, reached, in_order, NULL AS opportunities, NULL AS won
FROM reached
UNION ALL
SELECT 'lane', l.segment, l.source, l.leads, l.qualified, o.opportunities, o.won
FROM leads l FULL JOIN opps o USING (segment, source)""",
    # open at the start of 2025Q4 + new - won - lost = open at its end, count and amount
    "flow": """
WITH d AS (
    SELECT *, TIMESTAMPTZ '2025-10-01 00:00:00+00' AS s,
           TIMESTAMPTZ '2026-01-01 00:00:00+00' AS t FROM {d}
)
SELECT count(*) FILTER (WHERE created_at < s AND (closed_at IS NULL OR closed_at >= s))
           AS open_start,
       sum(amount_home) FILTER (WHERE created_at < s AND (closed_at IS NULL OR closed_at >= s))
           AS open_start_amount,
       count(*) FILTER (WHERE created_at >= s AND created_at < t) AS new,
       sum(amount_home) FILTER (WHERE created_at >= s AND created_at < t) AS new_amount,
       count(*) FILTER (WHERE outcome = 'won' AND closed_at >= s AND closed_at < t) AS won,
       sum(amount_home) FILTER (WHERE outcome = 'won' AND closed_at >= s AND closed_at < t)
           AS won_amount,
       count(*) FILTER (WHERE outcome = 'lost' AND closed_at >= s AND closed_at < t) AS lost,
       sum(amount_home) FILTER (WHERE outcome = 'lost' AND closed_at >= s AND closed_at < t)
           AS lost_amount,
       count(*) FILTER (WHERE created_at < t AND (closed_at IS NULL OR closed_at >= t))
           AS open_end,
       sum(amount_home) FILTER (WHERE created_at < t AND (closed_at IS NULL OR closed_at >= t))
           AS open_end_amount
FROM d""",
    # win rate, won, lost, won revenue, median cycle of won deals, velocity; stalled deals
    "kpis": "WITH"
    + _VISITS
    + """,
p90 AS (SELECT pipeline, stage, quantile_cont(days, 0.9) AS p90 FROM visits GROUP BY ALL),
last_event AS (
    SELECT opportunity_id, max("at") AS entered_at FROM {e} GROUP BY opportunity_id
),
f AS (
    SELECT d.*,
           CASE WHEN outcome = 'won' THEN (epoch(closed_at) - epoch(created_at)) / 86400.0
           END AS cycle,
           outcome = 'open' AND (epoch(now()) - epoch(l.entered_at)) / 86400.0 > p.p90
               AS stalled
    FROM {d} d LEFT JOIN last_event l USING (opportunity_id)
    LEFT JOIN p90 p ON p.pipeline = d.pipeline AND p.stage = d.stage
),
k AS (
    SELECT count(*) FILTER (WHERE outcome = 'won') AS won,
           count(*) FILTER (WHERE outcome = 'lost') AS lost,
           count(*) FILTER (WHERE outcome = 'open') AS open,
           count(*) FILTER (WHERE stalled) AS stalled,
           sum(amount_home) FILTER (WHERE outcome = 'won') AS won_revenue,
           avg(amount_home) FILTER (WHERE outcome = 'won') AS avg_won,
           median(cycle) AS median_cycle_days_won, avg(cycle) AS mean_cycle
    FROM f
)
SELECT *, won / (won + lost) AS win_rate,
       open * won / (won + lost) * avg_won / mean_cycle AS sales_velocity_per_day
FROM k""",
    # per rep-and-presales pair: deals, won, lost, win rate, median cycle, won revenue
    "pairs": """
SELECT owner_id, presales_id, count(*) AS deals,
       count(*) FILTER (WHERE outcome = 'won') AS won,
       count(*) FILTER (WHERE outcome = 'lost') AS lost,
       count(*) FILTER (WHERE outcome = 'won')
           / nullif(count(*) FILTER (WHERE outcome IN ('won', 'lost')), 0) AS win_rate,
       median(epoch(closed_at) - epoch(created_at)) FILTER (WHERE outcome = 'won') / 86400.0
           AS median_cycle_days,
       sum(amount_home) FILTER (WHERE outcome = 'won') AS won_revenue
FROM {d} WHERE presales_id IS NOT NULL GROUP BY ALL""",
    # enterprise: furthest step per deal; SMB: win rate with and without each usage signal
    "signals": """
WITH
steps AS (
    SELECT opportunity_id,
           max(CASE kind WHEN 'meeting_booked' THEN 1 WHEN 'meeting_accepted' THEN 1
                         WHEN 'demo_held' THEN 2 WHEN 'technical_discussion' THEN 3
                         WHEN 'procurement_started' THEN 4 WHEN 'purchase_order' THEN 5
                         ELSE 0 END) AS furthest
    FROM {a} GROUP BY opportunity_id
),
progression AS (
    SELECT coalesce(s.furthest, 0) AS furthest, count(*) AS deals,
           count(*) FILTER (WHERE d.outcome = 'lost') AS dropped_out
    FROM {d} d LEFT JOIN steps s USING (opportunity_id)
    WHERE d.segment = 'enterprise' GROUP BY ALL
),
smb AS (SELECT * FROM {d} WHERE segment <> 'enterprise' AND outcome IN ('won', 'lost')),
signal AS (
    SELECT DISTINCT a.kind, a.opportunity_id FROM {a} a JOIN smb d USING (opportunity_id)
    WHERE a.kind IN ('trial_user_added', 'product_used', 'pricing_page_viewed', 'site_visit')
      AND a."at" <= d.closed_at
),
usage AS (
    SELECT k.kind,
           count(*) FILTER (WHERE s.opportunity_id IS NOT NULL) AS with_signal,
           avg(CASE WHEN d.outcome = 'won' THEN 1.0 ELSE 0 END)
               FILTER (WHERE s.opportunity_id IS NOT NULL) AS win_rate_with,
           avg(CASE WHEN d.outcome = 'won' THEN 1.0 ELSE 0 END)
               FILTER (WHERE s.opportunity_id IS NULL) AS win_rate_without
    FROM smb d
    CROSS JOIN (SELECT DISTINCT kind FROM signal) k
    LEFT JOIN signal s ON s.opportunity_id = d.opportunity_id AND s.kind = k.kind
    GROUP BY k.kind
)
SELECT 'progression' AS section, CAST(furthest AS VARCHAR) AS step, deals, dropped_out,
       NULL AS win_rate_with, NULL AS win_rate_without FROM progression
UNION ALL
SELECT 'usage', kind, with_signal, NULL, win_rate_with, win_rate_without FROM usage""",
    # win probability learned per stage reached and segment; expected won revenue of the
    # open deals per quarter of expected close
    "forecast": """
WITH
closed AS (SELECT opportunity_id, segment, outcome FROM {d} WHERE outcome IN ('won', 'lost')),
learned AS (
    SELECT e.pipeline, e.to_stage AS stage, c.segment,
           avg(CASE WHEN c.outcome = 'won' THEN 1.0 ELSE 0 END) AS p
    FROM {e} e JOIN closed c USING (opportunity_id)
    WHERE e.category = 'open' GROUP BY ALL
)
SELECT year(d.expected_close) || 'Q' || quarter(d.expected_close) AS period,
       count(*) AS open_deals, sum(d.amount_home * l.p) AS expected,
       sum(d.amount_home) FILTER (WHERE l.p >= 0.5) AS best_case
FROM {d} d LEFT JOIN learned l
  ON l.pipeline = d.pipeline AND l.stage = d.stage AND l.segment IS NOT DISTINCT FROM d.segment
WHERE d.outcome = 'open' GROUP BY ALL""",
}

REFERENCE = """
import sys, time, duckdb
from pathlib import Path
sql = __import__("json").loads(sys.argv[1])
folder = Path(sys.argv[2])
files = {k: f"read_parquet('{folder / (n + '.parquet')}')"
         for k, n in {"d": "deals", "e": "events", "l": "leads", "a": "activities"}.items()}
seconds, rows = {}, {}
for name, text in sql.items():
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    start = time.perf_counter()
    rows[name] = con.sql(text.format(**files)).to_arrow_table().num_rows
    seconds[name] = time.perf_counter() - start
    con.close()
report(seconds=seconds, rows=rows)
"""

# The same relations as the reports read them, written to Parquet for the reference.
EXPORT = """
import sys
from pathlib import Path
import pyarrow.parquet as pq
from pipefit.bootstrap import App
app = App.open(Path(sys.argv[1]))
out = Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
uow = app.uow()
with uow:
    relations = uow.analytics.relations(
        app.analytics_settings, {"deals", "events", "leads", "activities"})
for name, table in relations.items():
    pq.write_table(table, out / f"{name}.parquet")
report(rows={k: v.num_rows for k, v in relations.items()})
"""

# The copy: `log` is the stage log's alone (built from nothing, its folder removed, or
# refreshed); `all` is every relation's (deals, leads, activities, the effective log ...),
# as a report reading them all finds it.
COPY = """
import shutil, sys, time
from pathlib import Path
import pyarrow.parquet as pq
from pipefit.bootstrap import App
from pipefit.store.analytics import COPY_FOLDER
from pipefit.store.analytics_copy import EventCopy
from pipefit.store.database import SCHEMA_HEAD, describe_url
root, scope, fresh = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "build"
folder = root / COPY_FOLDER
if fresh:
    shutil.rmtree(folder, ignore_errors=True)
app = App.open(root)
app.engine  # connect before the clock starts
uow = app.uow()
with uow:
    if scope == "log":
        url = app.workspace.database_url
        copy = EventCopy(folder, schema_head=SCHEMA_HEAD, database=describe_url(url))
        start = time.perf_counter()
        parts = copy.update(uow.analytics)
        seconds = time.perf_counter() - start
        events = sum(pq.read_metadata(p).num_rows for p in parts)
        report(seconds=seconds, mode=copy.last.mode, read=copy.last.read, events=events)
    else:
        start = time.perf_counter()
        uow.analytics.sources(app.analytics_settings)
        seconds = time.perf_counter() - start
        report(seconds=seconds, copied=uow.analytics.copied)
"""

# One report as `pipefit report NAME` runs it (relations read, then the report's SQL).
REPORT = """
import sys, time
from pathlib import Path
from pipefit.analytics.query import ReportQuery
from pipefit.bootstrap import App
from pipefit.services.reports import run_report
root, name, period = Path(sys.argv[1]), sys.argv[2], sys.argv[3] or None
app = App.open(root)
app.engine  # connect before the clock starts
start = time.perf_counter()
result = run_report(app.uow(), name, ReportQuery(period=period), app.analytics_settings)
report(seconds=time.perf_counter() - start, rows=result.rows.num_rows)
"""


def _pipefit(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pipefit.cli", *args], check=True, stdout=subprocess.DEVNULL
    )


def _opportunities_in(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute("SELECT count(*) FROM opportunities").fetchone()[0])
    except sqlite3.Error:
        return 0


def prepare(opportunities: int, seed: int) -> Path:
    data = WORK / f"company-{opportunities}-{seed}"
    if not (data / "stage_events.csv").exists():
        print(f"generating {opportunities:,} opportunities in {data} ...", file=sys.stderr)
        _pipefit("generate", "--out", str(data), "--opportunities", str(opportunities),
                 "--seed", str(seed))  # fmt: skip
    workspace = WORK / "reports-workspace"
    marker = workspace / f".ready-{opportunities}-{seed}"
    if marker.exists():
        return workspace
    shutil.rmtree(workspace, ignore_errors=True)
    source = WORK / "import-workspace"
    if _opportunities_in(source / "pipefit.db") == opportunities:
        print(f"copying the import benchmark's database from {source} ...", file=sys.stderr)
        workspace.mkdir(parents=True)
        shutil.copy(source / "pipefit.toml", workspace / "pipefit.toml")
        shutil.copy(source / "pipefit.db", workspace / "pipefit.db")
    else:
        print("importing the company ...", file=sys.stderr)
        _pipefit("init", str(workspace))
        named = ["teams", "people", "accounts", "contacts", "leads"]
        _pipefit("import", *(str(data / f"{n}.csv") for n in named), "-w", str(workspace))
        deals = ["opportunities", "stage_events"]
        _pipefit("import", *(str(data / f"{n}.csv") for n in deals), "-w", str(workspace))
    print("importing pools, quotas, customer outcomes and activities ...", file=sys.stderr)
    files = [data / f"{name}.csv" for name in SMALL]
    _pipefit("import", *(str(f) for f in files if f.exists()), "-w", str(workspace))
    marker.touch()
    return workspace


def new_events(workspace: Path, count: int) -> Path:
    """A stage_events file moving `count` open deals one open stage on, an hour after
    their last event (a later run moves them again): an incremental export."""
    db = workspace / "pipefit.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            """
            WITH last AS (
                SELECT opportunity_id, max(seq) AS seq FROM stage_events GROUP BY opportunity_id
            )
            SELECT e.opportunity_id, e.seq, e.to_stage, nxt.name, e."at"
            FROM opportunities o
            JOIN last ON last.opportunity_id = o.opportunity_id
            JOIN stage_events e ON e.opportunity_id = last.opportunity_id AND e.seq = last.seq
            JOIN stages s ON s.pipeline = o.pipeline AND s.name = e.to_stage
            JOIN stages nxt ON nxt.pipeline = o.pipeline AND nxt.position = s.position + 1
            WHERE o.outcome = 'open' AND nxt.category = 'open'
            ORDER BY o.opportunity_id LIMIT ?
            """,
            (count,),
        ).fetchall()
    path = WORK / "new_stage_events" / "stage_events.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["opportunity_id", "seq", "from_stage", "to_stage", "substate", "at"])
        for opp, seq, stage, nxt, at in rows:
            moment = datetime.fromisoformat(str(at)) + timedelta(hours=1)
            writer.writerow([opp, seq + 1, stage, nxt, "", moment.strftime("%Y-%m-%dT%H:%M:%SZ")])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    workspace = prepare(args.opportunities, args.seed)
    build = run_measured(COPY, str(workspace), "log", "build")
    build_rest = run_measured(COPY, str(workspace), "all", "refresh")
    _pipefit("import", str(new_events(workspace, NEW_EVENTS)), "-w", str(workspace))
    refresh = run_measured(COPY, str(workspace), "log", "refresh")
    refresh_all = run_measured(COPY, str(workspace), "all", "refresh")
    current = run_measured(COPY, str(workspace), "log", "refresh")
    current_all = run_measured(COPY, str(workspace), "all", "refresh")
    build_all = build["seconds"] + build_rest["seconds"]
    parquet = WORK / "reports-reference"
    exported = run_measured(EXPORT, str(workspace), str(parquet))
    reference = run_measured(REFERENCE, json.dumps(REFERENCE_SQL), str(parquet))
    ours = {
        name: run_measured(REPORT, str(workspace), name, PERIOD if name == "flow" else "")
        for name in REPORTS
    }
    backtest = run_measured(REPORT, str(workspace), "forecast-backtest", PERIOD)
    peaks = [build, build_rest, refresh, refresh_all, current, current_all, *ours.values(),
             backtest]  # fmt: skip
    reports = {
        name: {
            "seconds": round(r["seconds"], 2),
            "reference_seconds": round(reference["seconds"][name], 2),
            "ratio": round(r["seconds"] / reference["seconds"][name], 1),
            "rows": r["rows"],
            "peak_rss_mb": r["peak_rss_mb"],
        }
        for name, r in ours.items()
    }
    figures = {
        "opportunities": args.opportunities,
        "events": build["events"],
        "relations": exported["rows"],
        "copy_build_seconds": round(build["seconds"], 2),
        "copy_refresh_seconds": round(refresh["seconds"], 2),
        "copy_refresh_mode": refresh["mode"],
        "copy_refresh_read": refresh["read"],
        "copy_current_seconds": round(current["seconds"], 2),
        "refresh_share": round(refresh["seconds"] / build["seconds"], 3),
        "copy_all_build_seconds": round(build_all, 2),
        "copy_all_built": build_rest["copied"],
        "copy_all_refresh_seconds": round(refresh_all["seconds"], 2),
        "copy_all_refreshed": refresh_all["copied"],
        "copy_all_current_seconds": round(current_all["seconds"], 2),
        "refresh_all_share": round(refresh_all["seconds"] / build_all, 3),
        "reports": reports,
        "backtest_seconds": round(backtest["seconds"], 2),
        "backtest_periods": PERIOD,
        "peak_rss_mb": max(int(p["peak_rss_mb"]) for p in peaks),
        "ratio_target": 1.5,
        "machine": machine(),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"reports over {args.opportunities:,} opportunities, {build['events']:,} events "
          f"({machine()})")  # fmt: skip
    print(f"  copy of the log: first build    {build['seconds']:>8.2f} s")
    print(
        f"  refresh after {refresh['read']:,} new events {refresh['seconds']:>6.2f} s = "
        f"{figures['refresh_share']:.1%} of the build (target < 5%); with nothing new "
        f"{current['seconds']:.2f} s"
    )
    print(
        f"  copy of every relation: first build {build_all:.2f} s (log + "
        f"{', '.join(build_rest['copied'])}); after the new events {refresh_all['seconds']:.2f} s"
        f" = {figures['refresh_all_share']:.1%} (copied again: "
        f"{', '.join(refresh_all['copied']) or 'none'}); with nothing new "
        f"{current_all['seconds']:.2f} s"
    )
    for name, r in reports.items():
        print(
            f"  {name:<15} {r['seconds']:>8.2f} s  reference {r['reference_seconds']:>6.2f} s"
            f"  = {r['ratio']:>5.1f}x (target <= 1.5x)  peak {r['peak_rss_mb']:,} MB"
        )
    print(
        f"  forecast-backtest, 8 quarters to {PERIOD} {backtest['seconds']:>6.2f} s (target < 30 s)"
    )
    print(f"  peak memory (any step)  {figures['peak_rss_mb']:>8,} MB (target < 3,072 MB)")


if __name__ == "__main__":
    main()
