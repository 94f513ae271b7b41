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
SMALL = [
    "pools", "pool_members", "quotas", "customer_outcomes", "activities", "opportunity_changes",
]  # fmt: skip
NEW_EVENTS = 1_000
PERIOD = "2025Q4"  # the sample's last quarter (its log ends on 2025-12-31)
FORECAST_AS_OF = "2026-01-01T00:00:00+00:00"  # the forecast from the end of the sample
REPORTS = ["time-in-stage", "friction", "funnel", "flow", "kpis", "pairs", "signals", "forecast"]

# --- the reference: plain DuckDB SQL over Parquet files -----------------------------------
# {d}, {e}, {l}, {a}, {c}, {s}, {o}: read_parquet of deals, effective events, leads,
# activities, changes, stages, forecast overrides; {p}, {q}, {m}, {u}: of people, quotas,
# pool members, customers; {now}: the clock.
REFERENCE_SQL = {
    # the whole waterfall of 2025Q4 as `report flow` prints it: the deals whose close date
    # (now, or before a later change of it) falls in the quarter, each replayed just before
    # it, at every event and change in it and at its end; per movement the deals, the
    # signed count, the amount and (start, end) the deals without an amount
    "flow": """
WITH
touch AS (
    SELECT opportunity_id FROM {d}
    WHERE expected_close >= TIMESTAMPTZ '2025-10-01 00:00:00+00'
      AND expected_close < TIMESTAMPTZ '2026-01-01 00:00:00+00'
    UNION
    SELECT opportunity_id FROM {c}
    WHERE field = 'close_date' AND "at" > TIMESTAMPTZ '2025-09-30 23:59:59.999999+00'
      AND old_close_date >= TIMESTAMPTZ '2025-10-01 00:00:00+00'
      AND old_close_date < TIMESTAMPTZ '2026-01-01 00:00:00+00'
),
scope AS (
    SELECT row_number() OVER (ORDER BY d.opportunity_id) AS k, d.*
    FROM {d} d JOIN touch USING (opportunity_id)
    WHERE d.created_at <= TIMESTAMPTZ '2025-12-31 23:59:59.999999+00'
),
ch AS (
    SELECT k.k, c.field, c."at", c.old_amount, c.old_close_date,
           row_number() OVER (PARTITION BY k.k, c.field ORDER BY c."at", c.ordinal) AS n
    FROM scope k JOIN {c} c USING (opportunity_id)
),
origin AS (
    SELECT k.k, CASE WHEN coalesce(v.from_stage, k.stage) = k.stage THEN k.outcome
                     ELSE coalesce(st.category, 'open') END AS outcome
    FROM scope k
    LEFT JOIN {e} v ON v.opportunity_id = k.opportunity_id AND v.seq = 1
    LEFT JOIN {s} st ON st.pipeline = k.pipeline AND st.stage = v.from_stage
),
facts AS (
    SELECT k.k, v."at" AS t,
           v.seq * 4 + CASE WHEN v.to_stage = k.stage THEN
                            CASE k.outcome WHEN 'open' THEN 0 WHEN 'won' THEN 1 ELSE 2 END
                        ELSE CASE coalesce(st.category, 'open') WHEN 'open' THEN 0
                                  WHEN 'won' THEN 1 ELSE 2 END END AS code,
           0 AS amounts, 0 AS closes
    FROM scope k JOIN {e} v USING (opportunity_id)
    LEFT JOIN {s} st ON st.pipeline = k.pipeline AND st.stage = v.to_stage
    WHERE v."at" <= TIMESTAMPTZ '2025-12-31 23:59:59.999999+00'
    UNION ALL
    SELECT k, "at", NULL, (field = 'amount')::INT, (field = 'close_date')::INT FROM ch
    WHERE "at" <= TIMESTAMPTZ '2025-12-31 23:59:59.999999+00'
),
timeline AS (
    SELECT k, TIMESTAMPTZ '2025-09-30 23:59:59.999999+00' AS t, 1 AS point, max(code) AS code,
           sum(amounts) AS amounts, sum(closes) AS closes
    FROM (SELECT k, code, amounts, closes FROM facts
          WHERE t <= TIMESTAMPTZ '2025-09-30 23:59:59.999999+00'
          UNION ALL SELECT k, NULL, 0, 0 FROM scope)
    GROUP BY k
    UNION ALL SELECT k, t, 0, code, amounts, closes FROM facts
    WHERE t > TIMESTAMPTZ '2025-09-30 23:59:59.999999+00'
    UNION ALL SELECT k, TIMESTAMPTZ '2025-12-31 23:59:59.999999+00', 1, NULL, 0, 0 FROM scope
    UNION ALL SELECT k, created_at, 1, NULL, 0, 0 FROM scope
    WHERE created_at > TIMESTAMPTZ '2025-09-30 23:59:59.999999+00'
),
run AS (
    SELECT k, t, max(code) OVER w AS code, sum(amounts) OVER w AS amounts,
           sum(closes) OVER w AS closes, lead(t) OVER w AS next_t
    FROM timeline
    WINDOW w AS (PARTITION BY k ORDER BY t, point ROWS UNBOUNDED PRECEDING)
),
states AS (
    SELECT r.k, r.t, q.created_at <= r.t AS present,
           CASE WHEN r.code IS NULL THEN o.outcome
                ELSE ['open', 'won', 'lost'][r.code % 4 + 1] END AS outcome,
           CASE WHEN a.k IS NULL THEN q.amount_home
                WHEN q.amount IS NULL OR q.amount = 0 OR a.old_amount IS NULL THEN NULL
                ELSE a.old_amount::DOUBLE * (q.amount_home / q.amount::DOUBLE) END AS home,
           CASE WHEN c.k IS NOT NULL THEN c.old_close_date ELSE q.expected_close END
               AS close_then
    FROM run r
    JOIN scope q USING (k)
    JOIN origin o USING (k)
    LEFT JOIN ch a ON a.k = r.k AND a.field = 'amount' AND a.n = r.amounts + 1
    LEFT JOIN ch c ON c.k = r.k AND c.field = 'close_date' AND c.n = r.closes + 1
    WHERE r.t >= TIMESTAMPTZ '2025-09-30 23:59:59.999999+00'
      AND (r.next_t IS NULL OR r.next_t > r.t)
),
inside AS (
    SELECT k, t, present, outcome,
           present AND outcome = 'open'
               AND close_then >= TIMESTAMPTZ '2025-10-01 00:00:00+00'
               AND close_then < TIMESTAMPTZ '2026-01-01 00:00:00+00' AS inside,
           coalesce(home, 0)::DECIMAL(18, 4) AS amt, home IS NULL AS no_amount
    FROM states
),
steps AS (
    SELECT k, t, inside, outcome, amt, no_amount,
           lag(present) OVER w AS was_present, lag(inside) OVER w AS was_inside,
           lag(outcome) OVER w AS was_outcome, lag(amt) OVER w AS was_amt
    FROM inside WINDOW w AS (PARTITION BY k ORDER BY t)
),
moves AS (
    SELECT k, CASE
               WHEN NOT was_inside AND inside THEN
                   CASE WHEN NOT was_present THEN 'new'
                        WHEN was_outcome <> 'open' THEN 'reopened' ELSE 'pulled_in' END
               WHEN was_inside AND NOT inside THEN
                   CASE WHEN outcome IN ('won', 'lost') THEN outcome ELSE 'pushed_out' END
               WHEN was_inside AND inside AND amt > was_amt THEN 'increased'
               WHEN was_inside AND inside AND amt < was_amt THEN 'decreased'
           END AS movement,
           CASE WHEN NOT was_inside AND inside THEN 1
                WHEN was_inside AND NOT inside THEN -1 ELSE 0 END AS n,
           CASE WHEN NOT was_inside AND inside THEN amt WHEN was_inside AND NOT inside
                THEN -was_amt ELSE amt - was_amt END AS amount, 0 AS no_amount
    FROM steps WHERE was_inside IS NOT NULL
    UNION ALL
    SELECT k, CASE WHEN t = TIMESTAMPTZ '2025-09-30 23:59:59.999999+00' THEN 'start'
                   ELSE 'end' END, 1, amt, no_amount::INT
    FROM steps
    WHERE inside AND t IN (TIMESTAMPTZ '2025-09-30 23:59:59.999999+00',
                           TIMESTAMPTZ '2025-12-31 23:59:59.999999+00')
)
SELECT movement, count(DISTINCT k) AS deals, sum(n) AS "count", sum(amount) AS amount,
       sum(no_amount) AS no_amount
FROM moves WHERE movement IS NOT NULL GROUP BY movement ORDER BY movement
""",
    # the forecast as `report forecast --as-of 2026-01-01` prints it: the deals and log
    # replayed to that instant (last event, amount and close date before later changes),
    # win rates learned from the closed deals per stage, segment and age band with the
    # shrinkage, each open deal priced in the quarter it is due (undated apart), the
    # categories and roll-ups, 2025's quarterly average of deals created and won in one
    # quarter, the 10-90% range
    "forecast": """
WITH
last_ev AS (
    SELECT opportunity_id, arg_max(to_stage, seq) AS to_stage, arg_max("at", seq) AS "at"
    FROM {e} WHERE "at" <= TIMESTAMPTZ '2026-01-01 00:00:00+00' GROUP BY opportunity_id
),
next_ev AS (
    SELECT opportunity_id, arg_min(from_stage, seq) AS from_stage FROM {e}
    WHERE "at" > TIMESTAMPTZ '2026-01-01 00:00:00+00' GROUP BY opportunity_id
),
later AS (
    SELECT opportunity_id, field, old_amount, old_close_date FROM {c}
    WHERE "at" > TIMESTAMPTZ '2026-01-01 00:00:00+00'
    QUALIFY row_number() OVER (PARTITION BY opportunity_id, field ORDER BY "at", ordinal) = 1
),
-- the deals as they stood at T: stage of the last event by then (else the stage the next
-- one left, else today's), amount and close date before the first later change
d AS (
    SELECT x.* EXCLUDE (stage_then, old_amount, amount_changed, old_close, close_changed,
                        last_at),
           x.stage_then AS stage,
           CASE WHEN x.stage_then = x.stage_now THEN x.outcome_now
                ELSE coalesce(st.category, 'open') END AS outcome,
           CASE WHEN NOT x.amount_changed THEN x.home_now
                WHEN x.amount_now IS NULL OR x.amount_now = 0 OR x.old_amount IS NULL THEN NULL
                ELSE x.old_amount::DOUBLE * (x.home_now / x.amount_now::DOUBLE) END AS amount_home,
           CASE WHEN x.close_changed THEN x.old_close ELSE x.close_now END AS expected_close,
           x.closed_now, x.last_at
    FROM (
        SELECT d.opportunity_id, d.pipeline, d.segment, d.created_at, d.stage AS stage_now,
               d.outcome AS outcome_now, d.amount AS amount_now, d.amount_home AS home_now,
               d.expected_close AS close_now, d.closed_at AS closed_now,
               coalesce(l.to_stage, n.from_stage, d.stage) AS stage_then, l."at" AS last_at,
               a.opportunity_id IS NOT NULL AS amount_changed, a.old_amount,
               k.opportunity_id IS NOT NULL AS close_changed, k.old_close_date AS old_close
        FROM {d} d
        LEFT JOIN last_ev l USING (opportunity_id)
        LEFT JOIN next_ev n USING (opportunity_id)
        LEFT JOIN later a ON a.opportunity_id = d.opportunity_id AND a.field = 'amount'
        LEFT JOIN later k ON k.opportunity_id = d.opportunity_id AND k.field = 'close_date'
        WHERE d.created_at <= TIMESTAMPTZ '2026-01-01 00:00:00+00'
    ) x
    LEFT JOIN {s} st ON st.pipeline = x.pipeline AND st.stage = x.stage_then
),
deals AS (
    SELECT *, CASE WHEN outcome = 'open' THEN NULL
                   WHEN closed_now <= TIMESTAMPTZ '2026-01-01 00:00:00+00' THEN closed_now
                   ELSE coalesce(last_at, closed_now) END AS closed_at
    FROM d
),
moves AS (
    SELECT opportunity_id, pipeline, to_stage AS stage, category, "at",
           lead("at") OVER w AS left_at, lead(seq) OVER w AS next_seq
    FROM {e}
    WHERE "at" <= TIMESTAMPTZ '2026-01-01 00:00:00+00'
      AND (from_stage IS NULL OR from_stage <> to_stage)
    WINDOW w AS (PARTITION BY opportunity_id ORDER BY seq)
),
closed AS (
    SELECT opportunity_id, coalesce(segment, '') AS segment, (outcome = 'won')::INT AS won
    FROM deals WHERE outcome IN ('won', 'lost')
),
overall AS (SELECT (coalesce(sum(won), 0) + 1.0) / (count(*) + 2.0) AS p FROM closed),
stays AS (
    SELECT m.opportunity_id, m.pipeline, m.stage,
           max((epoch(m.left_at) - epoch(m."at")) / 86400.0) AS days
    FROM moves m SEMI JOIN closed c USING (opportunity_id)
    WHERE m.category = 'open' AND m.left_at IS NOT NULL
    GROUP BY ALL
),
banded AS (
    SELECT x.pipeline, x.stage, c.segment,
           CASE WHEN days >= 90 THEN 90 WHEN days >= 30 THEN 30 WHEN days >= 0 THEN 0 END
               AS lower_days,
           count(*) AS deals, sum(c.won) AS won
    FROM stays x JOIN closed c USING (opportunity_id) GROUP BY ALL
),
stage_rates AS (
    SELECT pipeline, stage, (sum(won) + 5.0 * any_value(o.p)) / (sum(deals) + 5.0) AS p
    FROM banded, overall o GROUP BY pipeline, stage
),
cell_rates AS (
    SELECT v.pipeline, v.stage, b.lower_days, v.segment,
           (sum(v.won) + 5.0 * any_value(s.p)) / (sum(v.deals) + 5.0) AS p
    FROM banded v JOIN (VALUES (0), (30), (90)) b (lower_days) ON v.lower_days >= b.lower_days
    JOIN stage_rates s USING (pipeline, stage)
    GROUP BY v.pipeline, v.stage, b.lower_days, v.segment
),
entered AS (SELECT opportunity_id, "at" AS entered_at FROM moves WHERE next_seq IS NULL),
open_stages AS (
    SELECT pipeline, stage, forecast_category,
           row_number() OVER (PARTITION BY pipeline ORDER BY position) AS r,
           count(*) OVER (PARTITION BY pipeline) AS n
    FROM {s} WHERE category = 'open'
),
overrides AS (
    SELECT opportunity_id, category FROM {o}
    WHERE "at" <= TIMESTAMPTZ '2026-01-01 00:00:00+00'
    QUALIFY row_number() OVER (PARTITION BY opportunity_id ORDER BY "at" DESC) = 1
),
open_deals AS (
    SELECT g.*,
           (epoch(TIMESTAMPTZ '2026-01-01 00:00:00+00')
            - epoch(coalesce(n.entered_at, g.created_at))) / 86400.0 AS age,
           greatest(g.expected_close, TIMESTAMPTZ '2026-01-01 00:00:00+00') AS due
    FROM deals g LEFT JOIN entered n USING (opportunity_id) WHERE g.outcome = 'open'
),
priced AS (
    SELECT CASE WHEN due IS NULL THEN 'undated' ELSE year(due) || 'Q' || quarter(due) END
               AS period,
           a.amount_home,
           coalesce(c.p, s.p, o.p) AS p,
           coalesce(r.category, os.forecast_category,
                    CASE WHEN os.r IS NULL THEN 'pipeline' WHEN os.r >= os.n THEN 'commit'
                         WHEN 2 * os.r > os.n THEN 'best_case' ELSE 'pipeline' END) AS category
    FROM open_deals a CROSS JOIN overall o
    LEFT JOIN stage_rates s USING (pipeline, stage)
    LEFT JOIN cell_rates c ON c.pipeline = a.pipeline AND c.stage = a.stage
        AND c.segment = coalesce(a.segment, '')
        AND c.lower_days = CASE WHEN a.age >= 90 THEN 90 WHEN a.age >= 30 THEN 30 ELSE 0 END
    LEFT JOIN open_stages os USING (pipeline, stage)
    LEFT JOIN overrides r USING (opportunity_id)
    WHERE due IS NULL OR due < TIMESTAMPTZ '2027-01-01 00:00:00+00'
),
-- won revenue of deals created and won in one quarter of 2025, a quarter's average
made AS (
    SELECT coalesce(sum(amount_home), 0) / 4.0 AS per_quarter FROM deals
    WHERE outcome = 'won' AND amount_home IS NOT NULL
      AND closed_at >= TIMESTAMPTZ '2025-01-01 00:00:00+00'
      AND closed_at < TIMESTAMPTZ '2026-01-01 00:00:00+00'
      AND year(created_at) = year(closed_at) AND quarter(created_at) = quarter(closed_at)
),
won AS (
    SELECT year(closed_at) || 'Q' || quarter(closed_at) AS period, sum(amount_home) AS won
    FROM deals WHERE outcome = 'won' AND amount_home IS NOT NULL
      AND closed_at >= TIMESTAMPTZ '2026-01-01 00:00:00+00'
      AND closed_at < TIMESTAMPTZ '2027-01-01 00:00:00+00'
    GROUP BY ALL
),
summed AS (
    SELECT period,
           count(*) FILTER (WHERE amount_home IS NOT NULL) AS open_deals,
           count(*) FILTER (WHERE amount_home IS NULL) AS deals_without_amount,
           coalesce(sum(amount_home), 0) AS open_amount,
           coalesce(sum(p * amount_home), 0) AS expected_open,
           coalesce(sum(p * (1 - p) * amount_home * amount_home), 0) AS variance,
           coalesce(sum(amount_home) FILTER (WHERE category = 'pipeline'), 0) AS pipeline_amount,
           coalesce(sum(amount_home) FILTER (WHERE category = 'best_case'), 0) AS best_case,
           coalesce(sum(amount_home) FILTER (WHERE category = 'commit'), 0) AS commit_amount,
           coalesce(sum(amount_home) FILTER (WHERE category = 'omitted'), 0) AS omitted
    FROM priced GROUP BY period
),
quarters (period) AS (VALUES ('2026Q1'), ('2026Q2'), ('2026Q3'), ('2026Q4'), ('undated'))
SELECT q.period,
       coalesce(w.won, 0) AS closed_won,
       coalesce(s.expected_open, 0) AS expected_open,
       CASE WHEN q.period = 'undated' THEN 0 ELSE m.per_quarter END AS expected_new,
       coalesce(w.won, 0) + coalesce(s.expected_open, 0)
           + CASE WHEN q.period = 'undated' THEN 0 ELSE m.per_quarter END AS expected,
       coalesce(w.won, 0) + CASE WHEN q.period = 'undated' THEN 0 ELSE m.per_quarter END
           + greatest(coalesce(s.expected_open - 1.2815515655446004 * sqrt(s.variance), 0), 0)
           AS low,
       coalesce(w.won, 0) + CASE WHEN q.period = 'undated' THEN 0 ELSE m.per_quarter END
           + coalesce(least(s.expected_open + 1.2815515655446004 * sqrt(s.variance),
                            s.open_amount), 0) AS high,
       coalesce(s.open_deals, 0) AS open_deals, coalesce(s.open_amount, 0) AS open_amount,
       coalesce(s.deals_without_amount, 0) AS deals_without_amount,
       coalesce(s.pipeline_amount, 0) AS pipeline_amount,
       coalesce(s.best_case, 0) AS best_case_amount,
       coalesce(s.commit_amount, 0) AS commit_amount,
       coalesce(w.won, 0) AS closed_amount, coalesce(s.omitted, 0) AS omitted_amount,
       coalesce(w.won, 0) + coalesce(s.commit_amount, 0) AS rollup_commit,
       coalesce(w.won, 0) + coalesce(s.commit_amount, 0) + coalesce(s.best_case, 0)
           AS rollup_best_case,
       coalesce(w.won, 0) + coalesce(s.commit_amount, 0) + coalesce(s.best_case, 0)
           + coalesce(s.pipeline_amount, 0) AS rollup_pipeline,
       (SELECT count(*) FROM closed) AS closed_deals
FROM quarters q CROSS JOIN made m
LEFT JOIN summed s USING (period) LEFT JOIN won w USING (period)
ORDER BY q.period
""",
}

_Z = 1.959963984540054


def _wilson(k: str, n: str, side: str) -> str:
    """Wilson's score bound (side '-' or '+') for k of n, null when n is 0."""
    p = f"({k} / nullif({n}, 0))"
    return (
        f"(({p} + {_Z**2!r} / (2.0 * {n})) {side} {_Z!r} * sqrt({p} * (1 - {p}) / {n} "
        f"+ {_Z**2!r} / (4.0 * {n} * {n}))) / (1 + {_Z**2!r} / {n})"
    )


_RUNS = """
ev AS (
    SELECT opportunity_id, seq, pipeline, to_stage AS stage, substate, category, position, "at",
           row_number() OVER w = 1 OR lag(to_stage) OVER w <> to_stage AS stage_start,
           row_number() OVER w = 1 OR lag(to_stage) OVER w <> to_stage
               OR lag(substate) OVER w IS DISTINCT FROM substate AS substate_start
    FROM {e} WINDOW w AS (PARTITION BY opportunity_id ORDER BY "at", seq)
),
stage_runs AS (
    SELECT opportunity_id, pipeline, stage, category, position, "at",
           lead("at") OVER (PARTITION BY opportunity_id ORDER BY "at", seq) AS ended_at
    FROM ev WHERE stage_start
)"""
_DAYS = '(epoch(coalesce(ended_at, {now})) - epoch("at")) / 86400.0'

REFERENCE_SQL_STAGES = {
    # completed stage visits (a stay from the event entering a stage to the next change of
    # stage) and sub-state visits, per stage and sub-state: count, deals, mean, p10, p25,
    # median, p75, p90; open visits: count, mean and longest time so far
    "time-in-stage": "WITH"
    + _RUNS
    + """,
substate_runs AS (
    SELECT opportunity_id, pipeline, stage, substate, category, position, "at",
           lead("at") OVER (PARTITION BY opportunity_id ORDER BY "at", seq) AS ended_at
    FROM ev WHERE substate_start
),
v AS (
    SELECT 'stage' AS level, opportunity_id, pipeline, stage, NULL AS substate, position,
           ended_at IS NULL AS open, """
    + _DAYS
    + """ AS days
    FROM stage_runs WHERE category = 'open'
    UNION ALL
    SELECT 'substate', opportunity_id, pipeline, stage, coalesce(substate, '(none)'), position,
           ended_at IS NULL, """
    + _DAYS
    + """
    FROM substate_runs
    JOIN (SELECT DISTINCT pipeline, stage FROM ev WHERE substate IS NOT NULL AND category = 'open')
        USING (pipeline, stage)
    WHERE category = 'open'
)
SELECT pipeline, stage, level, substate, min(position) AS position,
       count(*) FILTER (NOT open) AS visits,
       count(DISTINCT opportunity_id) FILTER (NOT open) AS deals,
       avg(days) FILTER (NOT open) AS mean_days,
       quantile_cont(days, [0.1, 0.25, 0.5, 0.75, 0.9]) FILTER (NOT open) AS p10_p25_p50_p75_p90,
       count(*) FILTER (open) AS open_visits, avg(days) FILTER (open) AS open_mean_days,
       max(days) FILTER (open) AS open_max_days
FROM v GROUP BY ALL ORDER BY ALL""",
    # per stage over completed stage visits: count, median, p90, sd of ln days, the median of
    # the pipeline's medians; the best two-group split of ln(days + 1 minute) by likelihood
    # (BIC of one normal and of two), each hump's median; skips (deals past a stage that
    # never entered it); open visits beyond their stage's p90, with owner and presales
    "friction": "WITH"
    + _RUNS
    + """,
v AS (
    SELECT opportunity_id, pipeline, stage, position, ended_at IS NULL AS open,
           """
    + _DAYS
    + """ AS days, ln("""
    + _DAYS
    + """ + 1 / 1440) AS x
    FROM stage_runs WHERE category = 'open'
),
st AS (
    SELECT pipeline, stage, count(*) AS visits, median(days) AS median_days,
           quantile_cont(days, 0.9) AS p90_days, stddev_pop(x) AS log_sd,
           sum(x) AS s, sum(x * x) AS q
    FROM v WHERE NOT open GROUP BY ALL
),
typical AS (SELECT pipeline, median(median_days) AS typical_days FROM st GROUP BY ALL),
cum AS (
    SELECT pipeline, stage, x, row_number() OVER w AS k,
           sum(x) OVER w AS s1, sum(x * x) OVER w AS q1, lead(x) OVER w AS next_x
    FROM v WHERE NOT open
    WINDOW w AS (PARTITION BY pipeline, stage ORDER BY x
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
cuts AS (
    SELECT c.*, st.visits AS n, st.s, st.q,
           -k / 2.0 * (ln(2 * pi() * greatest(q1 / k - (s1 / k) ** 2, 0.01)) + 1)
           - (n - k) / 2.0 * (ln(2 * pi() * greatest((st.q - q1) / (n - k)
                                                    - ((st.s - s1) / (n - k)) ** 2, 0.01)) + 1)
           + k * ln(k / n) + (n - k) * ln((n - k) / n) AS loglik
    FROM cum c JOIN st USING (pipeline, stage)
    WHERE st.visits >= 20 AND next_x > x AND k >= ceil(0.1 * n) AND n - k >= ceil(0.1 * n)
),
best AS (
    SELECT pipeline, stage, arg_max(x, loglik) AS low_x, arg_max(next_x, loglik) AS high_x,
           arg_max(k, loglik) AS k, max(loglik) AS loglik, any_value(n) AS n,
           (2 * ln(any_value(n)) + any_value(n) * (ln(2 * pi() * greatest(
               any_value(q) / any_value(n) - (any_value(s) / any_value(n)) ** 2, 0.01)) + 1))
           - (5 * ln(any_value(n)) - 2 * max(loglik)) AS delta_bic
    FROM cuts GROUP BY ALL
),
humps AS (
    SELECT pipeline, stage, b.k / b.n AS low_share,
           exp((b.low_x + b.high_x) / 2) - 1 / 1440 AS split_at_days,
           median(days) FILTER (x <= b.low_x) AS low_median_days,
           median(days) FILTER (x > b.low_x) AS high_median_days, b.delta_bic
    FROM v JOIN best b USING (pipeline, stage) WHERE NOT open GROUP BY ALL
),
reached AS (
    SELECT opportunity_id, pipeline, max(position) FILTER (category <> 'lost') AS position
    FROM {e} GROUP BY ALL
),
entered AS (SELECT DISTINCT opportunity_id, pipeline, to_stage AS stage FROM {e}
    WHERE category = 'open'),
skips AS (
    SELECT s.pipeline, s.stage, count(*) AS passed, count(*) FILTER (n.stage IS NULL) AS skipped
    FROM reached r JOIN {s} s ON s.pipeline = r.pipeline AND s.category = 'open'
                              AND s.position < r.position
    LEFT JOIN entered n ON n.opportunity_id = r.opportunity_id AND n.stage = s.stage
    GROUP BY ALL
),
stalled AS (
    SELECT v.pipeline, v.stage, v.opportunity_id, d.owner_id, d.presales_id, v.days,
           v.days / st.p90_days AS ratio
    FROM v JOIN st USING (pipeline, stage) JOIN {d} d USING (opportunity_id)
    WHERE v.open AND st.visits >= 5 AND v.days > st.p90_days
)
SELECT 'stage' AS kind, st.pipeline, st.stage, NULL AS opportunity_id, NULL AS owner_id,
       NULL AS presales_id, st.visits, st.median_days, t.typical_days, st.p90_days, st.log_sd,
       h.low_share, h.split_at_days, h.low_median_days, h.high_median_days, h.delta_bic,
       k.passed, k.skipped
FROM st JOIN typical t USING (pipeline) LEFT JOIN humps h USING (pipeline, stage)
LEFT JOIN skips k USING (pipeline, stage)
UNION ALL
SELECT 'stalled', pipeline, stage, opportunity_id, owner_id, presales_id, NULL, days, NULL,
       NULL, ratio, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM stalled""",
    # both forms per step (open and won stages by position): deals that entered steps 1..k
    # one after the other (the earliest entry of each step after the previous), deals that
    # reached step k or later; count, conversion to next and from first, drop-out, lost and
    # open there; the lead funnel (lead, qualified, opportunity, won) with the same figures
    "funnel": """
WITH
steps AS (
    SELECT pipeline, stage, category,
        row_number() OVER (PARTITION BY pipeline ORDER BY position) AS step
    FROM {s} WHERE category IN ('open', 'won')
),
entries AS (
    SELECT d.opportunity_id, d.pipeline, coalesce(f.from_stage, d.stage) AS stage, 0 AS seq
    FROM {d} d LEFT JOIN (SELECT * FROM {e} WHERE seq = 1) f USING (opportunity_id)
    WHERE f.opportunity_id IS NULL OR f.from_stage IS NOT NULL
    UNION ALL
    SELECT opportunity_id, pipeline, to_stage, seq FROM {e}
),
stepped AS MATERIALIZED (
    SELECT n.opportunity_id, s.step, n.seq FROM entries n JOIN steps s USING (pipeline, stage)
),
c1 AS (SELECT opportunity_id, min(seq) AS seq FROM stepped WHERE step = 1 GROUP BY ALL),
c2 AS (SELECT s.opportunity_id, min(s.seq) AS seq FROM stepped s JOIN c1 USING (opportunity_id)
       WHERE s.step = 2 AND s.seq > c1.seq GROUP BY ALL),
c3 AS (SELECT s.opportunity_id, min(s.seq) AS seq FROM stepped s JOIN c2 USING (opportunity_id)
       WHERE s.step = 3 AND s.seq > c2.seq GROUP BY ALL),
c4 AS (SELECT s.opportunity_id, min(s.seq) AS seq FROM stepped s JOIN c3 USING (opportunity_id)
       WHERE s.step = 4 AND s.seq > c3.seq GROUP BY ALL),
c5 AS (SELECT s.opportunity_id, min(s.seq) AS seq FROM stepped s JOIN c4 USING (opportunity_id)
       WHERE s.step = 5 AND s.seq > c4.seq GROUP BY ALL),
c6 AS (SELECT s.opportunity_id, min(s.seq) AS seq FROM stepped s JOIN c5 USING (opportunity_id)
       WHERE s.step = 6 AND s.seq > c5.seq GROUP BY ALL),
depths AS (
    SELECT d.opportunity_id, d.pipeline, d.outcome,
           CASE WHEN c6.seq IS NOT NULL THEN 6 WHEN c5.seq IS NOT NULL THEN 5
                WHEN c4.seq IS NOT NULL THEN 4 WHEN c3.seq IS NOT NULL THEN 3
                WHEN c2.seq IS NOT NULL THEN 2 WHEN c1.seq IS NOT NULL THEN 1 ELSE 0
           END AS in_order,
           coalesce(r.depth, 0) AS reached
    FROM {d} d
    LEFT JOIN (SELECT opportunity_id, max(step) AS depth FROM stepped GROUP BY ALL) r
        USING (opportunity_id)
    LEFT JOIN c1 USING (opportunity_id) LEFT JOIN c2 USING (opportunity_id)
    LEFT JOIN c3 USING (opportunity_id) LEFT JOIN c4 USING (opportunity_id)
    LEFT JOIN c5 USING (opportunity_id) LEFT JOIN c6 USING (opportunity_id)
),
measured AS (
    SELECT pipeline, 'in_order' AS form, in_order AS depth, outcome FROM depths
    UNION ALL SELECT pipeline, 'reached', reached, outcome FROM depths
),
leads AS (
    SELECT l.lead_id, l.status, count(d.opportunity_id) AS deals,
           count(*) FILTER (d.outcome = 'won') AS won, count(*) FILTER (d.outcome = 'open') AS open
    FROM {l} l LEFT JOIN {d} d ON d.lead_id = l.lead_id GROUP BY ALL
),
lead_measured AS (
    SELECT NULL AS pipeline, 'lead' AS form,
           CASE WHEN won > 0 THEN 4 WHEN deals > 0 THEN 3 WHEN status = 'qualified' THEN 2
                ELSE 1 END AS depth,
           CASE WHEN won > 0 THEN 'won'
                WHEN deals > 0 THEN CASE WHEN open > 0 THEN 'open' ELSE 'lost' END
                WHEN status IN ('qualified', 'new', 'working') THEN 'open'
                WHEN status = 'disqualified' THEN 'lost' ELSE 'parked' END AS outcome
    FROM leads
),
all_steps AS (
    SELECT pipeline, form, step, category FROM steps, (VALUES ('in_order'), ('reached')) f(form)
    UNION ALL
    SELECT NULL, 'lead', step, CASE WHEN step = 4 THEN 'won' ELSE 'open' END
    FROM range(1, 5) r(step)
),
at_depth AS (
    SELECT pipeline, form, depth, count(*) AS n, count(*) FILTER (outcome = 'lost') AS lost,
           count(*) FILTER (outcome = 'open') AS open
    FROM (SELECT * FROM measured UNION ALL SELECT * FROM lead_measured) GROUP BY ALL
),
tally AS (
    SELECT s.pipeline, s.form, s.step, s.category,
           coalesce(sum(a.n), 0) AS cnt,
           coalesce(sum(a.n) FILTER (a.depth = s.step), 0) AS here,
           coalesce(sum(a.lost) FILTER (a.depth = s.step), 0) AS lost_here,
           coalesce(sum(a.open) FILTER (a.depth = s.step), 0) AS open_here
    FROM all_steps s LEFT JOIN at_depth a
      ON a.pipeline IS NOT DISTINCT FROM s.pipeline AND a.form = s.form AND a.depth >= s.step
    GROUP BY ALL
)
SELECT pipeline, form, step, cnt AS count,
       lead(cnt) OVER w / nullif(cnt, 0) AS conversion_to_next,
       cnt / nullif(first_value(cnt) OVER w, 0) AS conversion_from_first,
       CASE WHEN category <> 'won' THEN here END AS drop_out,
       CASE WHEN category <> 'won' THEN here / nullif(cnt, 0) END AS drop_out_rate,
       lost_here, open_here
FROM tally WINDOW w AS (PARTITION BY pipeline, form ORDER BY step)""",
    # headline: deals, open, won, lost, stalled (open beyond the p90 of its stage's event
    # spans since its last event), unmeasured, win rate (also counting stalled), won revenue,
    # won without amount, average won amount, open pipeline, median and mean won cycle,
    # velocity per day and month; per month, quarter and year of close: won, lost, win rate,
    # won revenue, customers, revenue per customer; won revenue of the last two quarters;
    # coverage per rep, team, pool and in total this quarter; churn of last quarter and
    # expansion; lifetime value per lane (industry, segment)
    "kpis": """
WITH
lagged AS (
    SELECT opportunity_id, pipeline, to_stage AS stage, "at",
           (epoch(lead("at") OVER w) - epoch("at")) / 86400.0 AS days, lead(seq) OVER w AS next_seq
    FROM {e} WINDOW w AS (PARTITION BY opportunity_id ORDER BY seq)
),
p90 AS (SELECT pipeline, stage, quantile_cont(days, 0.9) AS p90 FROM lagged
        WHERE days IS NOT NULL GROUP BY ALL),
f AS (
    SELECT d.*, CASE WHEN outcome = 'won' THEN (epoch(closed_at) - epoch(created_at)) / 86400.0
                END AS cycle,
           outcome = 'open' AND (epoch({now}) - epoch(coalesce(l."at", d.created_at))) / 86400.0
               > p.p90 AS stalled,
           outcome = 'open' AND p.p90 IS NULL AS unmeasured
    FROM {d} d LEFT JOIN (SELECT * FROM lagged WHERE next_seq IS NULL) l USING (opportunity_id)
    LEFT JOIN p90 p ON p.pipeline = d.pipeline AND p.stage = d.stage
),
k AS (
    SELECT count(*) AS deals, count(*) FILTER (outcome = 'open') AS open,
           count(*) FILTER (outcome = 'won') AS won, count(*) FILTER (outcome = 'lost') AS lost,
           count(*) FILTER (stalled) AS stalled, count(*) FILTER (unmeasured) AS unmeasured,
           sum(amount_home) FILTER (outcome = 'won') AS won_revenue,
           count(*) FILTER (outcome = 'won' AND amount_home IS NULL) AS won_without_amount,
           avg(amount_home) FILTER (outcome = 'won') AS average_won_amount,
           sum(amount_home) FILTER (outcome = 'open') AS open_pipeline,
           median(cycle) AS median_cycle_days_won, avg(cycle) AS mean_cycle_days_won
    FROM f
),
headline AS (
    SELECT *, won / (won + lost) AS win_rate, won / (won + lost + stalled) AS win_rate_stalled,
           open * won / (won + lost) * average_won_amount / mean_cycle_days_won AS velocity,
           open * won / (won + lost) * average_won_amount / mean_cycle_days_won * 30.4375
               AS velocity_per_month
    FROM k
),
closed AS (
    SELECT strftime(closed_at, '%Y-%m') AS month,
        year(closed_at) || 'Q' || quarter(closed_at) AS quarter,
           CAST(year(closed_at) AS VARCHAR) AS year, outcome, amount_home, account_id, closed_at
    FROM {d} WHERE outcome IN ('won', 'lost') AND closed_at IS NOT NULL
),
by_period AS (
    SELECT month, quarter, year, count(*) FILTER (outcome = 'won') AS won,
           count(*) FILTER (outcome = 'lost') AS lost,
           count(*) FILTER (outcome = 'won') / count(*) AS win_rate,
           coalesce(sum(amount_home) FILTER (outcome = 'won'), 0) AS won_revenue,
           count(DISTINCT account_id) FILTER (outcome = 'won'
               AND amount_home IS NOT NULL) AS customers,
           sum(amount_home) FILTER (outcome = 'won')
               / nullif(count(DISTINCT account_id) FILTER (outcome = 'won'
                   AND amount_home IS NOT NULL), 0)
               AS revenue_per_customer
    FROM closed GROUP BY GROUPING SETS ((month), (quarter), (year))
),
this_q AS (SELECT date_trunc('quarter', {now}) AS s, date_trunc('quarter',
    {now}) + INTERVAL 3 MONTH AS t),
growth AS (
    SELECT coalesce(sum(amount_home) FILTER (closed_at >= s - INTERVAL 3 MONTH
        AND closed_at < s), 0) AS now_won,
           coalesce(sum(amount_home) FILTER (closed_at >= s - INTERVAL 6 MONTH
               AND closed_at < s - INTERVAL 3 MONTH), 0) AS then_won
    FROM closed, this_q WHERE outcome = 'won'
),
w AS (
    SELECT d.owner_id, d.team_id, d.presales_id,
           CASE WHEN outcome = 'open' AND expected_close >= s
               AND expected_close < t THEN amount_home END AS pipe,
           CASE WHEN outcome = 'won' AND closed_at >= s
               AND closed_at < t THEN amount_home END AS won
    FROM {d} d, this_q
),
quota AS (SELECT owner_kind, owner_id, sum(amount_home) AS quota FROM {q}, this_q
          WHERE period_start >= s AND period_end <= t GROUP BY ALL),
cover AS (
    SELECT 'rep' AS level, coalesce(r.owner_id, q.owner_id) AS id, r.pipe, r.won, q.quota
    FROM (SELECT owner_id, sum(pipe) AS pipe, sum(won) AS won FROM w
        WHERE owner_id IS NOT NULL GROUP BY ALL) r
    FULL JOIN (SELECT * FROM quota WHERE owner_kind = 'person') q USING (owner_id)
    UNION ALL
    SELECT 'team', coalesce(t.team_id, tq.team_id), t.pipe, t.won, tq.quota
    FROM (SELECT team_id, sum(pipe) AS pipe, sum(won) AS won FROM w
        WHERE team_id IS NOT NULL GROUP BY ALL) t
    FULL JOIN (SELECT p.team_id, sum(q.quota) AS quota FROM quota q JOIN {p} p
        ON p.person_id = q.owner_id
               WHERE q.owner_kind = 'person' AND p.team_id IS NOT NULL GROUP BY ALL) tq
                   USING (team_id)
    UNION ALL
    SELECT 'pool', q.owner_id, sum(w.pipe), sum(w.won), any_value(q.quota)
    FROM quota q LEFT JOIN {m} m ON m.pool_id = q.owner_id LEFT JOIN w
        ON w.presales_id = m.presales_id
    WHERE q.owner_kind = 'pool' GROUP BY q.owner_id
    UNION ALL
    SELECT 'total', 'all', sum(pipe), sum(won), (SELECT sum(quota) FROM quota
        WHERE owner_kind = 'person') FROM w
),
coverage AS (
    SELECT *, coalesce(pipe, 0) / nullif(greatest(quota - coalesce(won, 0), 0),
        0) AS coverage FROM cover
),
customers AS (
    SELECT *, CASE WHEN churned_at <= {now} THEN churned_at END AS churned FROM {u}
        WHERE won_at <= {now}
),
churn AS (
    SELECT count(*) FILTER (won_at < s - INTERVAL 3 MONTH AND (churned IS NULL
        OR churned >= s - INTERVAL 3 MONTH)) AS at_start,
           count(*) FILTER (won_at < s - INTERVAL 3 MONTH AND churned >= s - INTERVAL 3 MONTH
               AND churned < s) AS churned,
           count(*) AS customers, count(*) FILTER (expanded) AS expanded
    FROM customers, this_q
),
lanes AS (
    SELECT industry, segment, count(*) AS customers, count(churned) AS churned,
           sum(greatest(epoch(coalesce(churned, {now})) - epoch(won_at), 0))
               / (365.25 * 86400) AS years,
           coalesce(sum(revenue_home), 0) AS revenue,
           sum(margin_home) FILTER (margin_home IS NOT NULL AND revenue_home <> 0)
               / nullif(sum(revenue_home) FILTER (margin_home IS NOT NULL AND revenue_home <> 0),
                   0) AS margin_rate
    FROM customers GROUP BY ALL
)
SELECT h.*, (SELECT list(b) FROM by_period b) AS by_period, g.now_won, g.then_won,
       (g.now_won - g.then_won) / nullif(g.then_won, 0) AS growth,
       (SELECT list(c) FROM coverage c) AS coverage,
       ch.at_start, ch.churned, ch.churned / nullif(ch.at_start, 0) AS churn_rate,
       ch.expanded / nullif(ch.customers, 0) AS expansion_rate,
       (SELECT list({{'lane': l, 'churn_per_year': churned / nullif(years, 0),
                     'revenue_per_year': revenue / nullif(years, 0),
                     'lifetime_value': revenue / nullif(years, 0) * margin_rate
                                       / nullif(churned / nullif(years, 0), 0)}}) FROM lanes l)
           AS lanes
FROM headline h, growth g, churn ch""",
    # per rep-and-presales pair: deals, won, lost, win rate and its Wilson interval, won
    # deals and their median cycle, won revenue and the deals behind it; each member's win
    # rate apart (the rep without this presales engineer, the engineer with other reps) with
    # its interval; better / worse / no evidence
    "pairs": """
WITH
d AS (
    SELECT owner_id, presales_id, outcome, amount_home,
           CASE WHEN outcome = 'won' THEN (epoch(closed_at) - epoch(created_at))
               / 86400.0 END AS cycle
    FROM {d}
),
combos AS (
    SELECT owner_id, presales_id, count(*) FILTER (outcome = 'won') AS won,
           count(*) FILTER (outcome IN ('won', 'lost')) AS n
    FROM d GROUP BY ALL
),
rep AS (SELECT owner_id, sum(won) AS won, sum(n) AS n FROM combos GROUP BY ALL),
pre AS (SELECT presales_id, sum(won) AS won, sum(n) AS n FROM combos GROUP BY ALL),
p AS (
    SELECT owner_id, presales_id, count(*) AS deals, count(*) FILTER (outcome = 'won') AS won,
           count(*) FILTER (outcome = 'lost') AS lost, count(cycle) AS cycle_deals,
           median(cycle) AS median_cycle_days_won,
           count(*) FILTER (outcome = 'won' AND amount_home IS NOT NULL) AS revenue_deals,
           coalesce(sum(amount_home) FILTER (outcome = 'won'), 0) AS won_revenue
    FROM d WHERE owner_id IS NOT NULL AND presales_id IS NOT NULL GROUP BY ALL
),
x AS (
    SELECT p.*, p.won + p.lost AS n, rep.won - p.won AS rep_won, rep.n - p.won - p.lost AS rep_n,
           pre.won - p.won AS pre_won, pre.n - p.won - p.lost AS pre_n
    FROM p JOIN rep USING (owner_id) JOIN pre USING (presales_id)
),
b AS (
    SELECT x.*, """
    + f"""{_wilson("won", "n", "-")} AS low, {_wilson("won", "n", "+")} AS high,
           {_wilson("rep_won", "rep_n", "-")} AS rep_low,
               {_wilson("rep_won", "rep_n", "+")} AS rep_high,
           {_wilson("pre_won", "pre_n", "-")} AS pre_low,
               {_wilson("pre_won", "pre_n", "+")} AS pre_high
    FROM x
)
SELECT owner_id, presales_id, deals, won, lost, won / nullif(n, 0) AS win_rate, low, high,
       cycle_deals, median_cycle_days_won, revenue_deals, won_revenue,
       rep_n, rep_won / nullif(rep_n, 0) AS rep_rate, pre_n, pre_won / nullif(pre_n, 0) AS pre_rate,
       CASE WHEN low > rep_high AND low > pre_high THEN 'better'
            WHEN high < rep_low AND high < pre_low THEN 'worse' ELSE 'no evidence' END AS verdict
FROM b ORDER BY low DESC NULLS LAST, n DESC, owner_id, presales_id""",
    # enterprise: per step (none, meetings, demos, technical discussion, procurement, purchase
    # order) deals reaching it (furthest step at or after it), and those whose furthest step
    # it is: lost, open, won. SMB (other known segments), closed: per usage signal, deals
    # and wins with it (first activity at or before the close) and without it, win rates,
    # lift with Newcombe's interval, median days from the signal to a win
    "signals": """
WITH
steps AS (
    SELECT opportunity_id,
           max(CASE kind WHEN 'meeting_booked' THEN 1 WHEN 'meeting_accepted' THEN 1
                         WHEN 'demo_held' THEN 2 WHEN 'technical_discussion' THEN 3
                         WHEN 'procurement_started' THEN 4 WHEN 'purchase_order' THEN 5 END)
               AS furthest
    FROM {a} WHERE kind IN ('meeting_booked', 'meeting_accepted', 'demo_held',
                            'technical_discussion', 'procurement_started', 'purchase_order')
    GROUP BY ALL
),
ent AS (
    SELECT coalesce(s.furthest, 0) AS furthest, d.outcome
    FROM {d} d LEFT JOIN steps s USING (opportunity_id) WHERE d.segment = 'enterprise'
),
progression AS (
    SELECT step, count(*) FILTER (furthest >= step) AS reached,
           count(*) FILTER (furthest = step AND outcome = 'lost') AS dropped_out,
           count(*) FILTER (furthest = step AND outcome = 'open') AS still_open,
           count(*) FILTER (furthest = step AND outcome = 'won') AS won
    FROM ent, range(0, 6) r(step) GROUP BY ALL
),
smb AS (SELECT opportunity_id, outcome, closed_at FROM {d}
        WHERE segment <> 'enterprise' AND outcome IN ('won', 'lost')),
first_signal AS (
    SELECT a.opportunity_id, a.kind, min(a."at") AS first_at
    FROM {a} a SEMI JOIN smb USING (opportunity_id)
    WHERE a.kind IN ('site_visit', 'pricing_page_viewed', 'trial_user_added', 'product_used')
    GROUP BY ALL
),
counts AS (
    SELECT k.kind, count(f.opportunity_id) AS deals_with,
           count(f.opportunity_id) FILTER (s.outcome = 'won') AS won_with,
           count(*) FILTER (f.opportunity_id IS NULL) AS deals_without,
           count(*) FILTER (f.opportunity_id IS NULL AND s.outcome = 'won') AS won_without,
           median((epoch(s.closed_at) - epoch(f.first_at)) / 86400.0)
               FILTER (f.opportunity_id IS NOT NULL AND s.outcome = 'won') AS median_lead_days
    FROM smb s CROSS JOIN (VALUES ('site_visit'), ('pricing_page_viewed'), ('trial_user_added'),
                                  ('product_used')) k(kind)
    LEFT JOIN first_signal f ON f.opportunity_id = s.opportunity_id AND f.kind = k.kind
                             AND f.first_at <= s.closed_at
    GROUP BY ALL
),
rated AS (
    SELECT *, won_with / deals_with AS p1, won_without / deals_without AS p2, """
    + f"""{_wilson("won_with", "deals_with", "-")} AS a_low,
        {_wilson("won_with", "deals_with", "+")} AS a_high,
           {_wilson("won_without", "deals_without", "-")} AS b_low,
           {_wilson("won_without", "deals_without", "+")} AS b_high
    FROM counts
)
SELECT 'progression' AS section, CAST(step AS VARCHAR) AS signal, reached, dropped_out,
       still_open, won, NULL AS p1, NULL AS p2, NULL AS lift, NULL AS lift_low,
       NULL AS lift_high, NULL AS median_lead_days
FROM progression
UNION ALL
SELECT 'usage', kind, deals_with, won_with, deals_without, won_without, p1, p2, p1 - p2,
       p1 - p2 - sqrt((p1 - greatest(a_low, 0)) ** 2 + (least(b_high, 1) - p2) ** 2),
       p1 - p2 + sqrt((least(a_high, 1) - p1) ** 2 + (p2 - greatest(b_low, 0)) ** 2),
       median_lead_days
FROM rated""",
}
REFERENCE_SQL.update(REFERENCE_SQL_STAGES)

REFERENCE = """
import sys, time, duckdb
from pathlib import Path
sql = __import__("json").loads(sys.argv[1])
folder = Path(sys.argv[2])
names = {"d": "deals", "e": "events", "l": "leads", "a": "activities", "c": "changes",
         "s": "stages", "o": "forecast_overrides", "p": "people", "q": "quotas",
         "m": "pool_members", "u": "customers"}
files = {k: f"read_parquet('{folder / (n + '.parquet')}')" for k, n in names.items()}
files["now"] = "CAST(now() AS TIMESTAMPTZ)"
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
        app.analytics_settings,
        {"deals", "events", "leads", "activities", "changes", "stages", "forecast_overrides",
         "people", "quotas", "pool_members", "customers"})
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
from datetime import datetime
root, name, period = Path(sys.argv[1]), sys.argv[2], sys.argv[3] or None
as_of = datetime.fromisoformat(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[4] else None
app = App.open(root)
app.engine  # connect before the clock starts
start = time.perf_counter()
query = ReportQuery(period=period, as_of=as_of)
result = run_report(app.uow(), name, query, app.analytics_settings)
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


def _pairs(workspace: Path, parquet: Path, names: list[str], repeat: int) -> dict[str, dict]:
    """Each report and its reference one after the other (so a busy machine slows both
    alike), `repeat` times; the fastest of each."""
    found: dict[str, dict] = {}
    for name in names:
        args = (PERIOD if name == "flow" else "", FORECAST_AS_OF if name == "forecast" else "")
        best: dict = {}
        for _ in range(repeat):
            ref = run_measured(REFERENCE, json.dumps({name: REFERENCE_SQL[name]}), str(parquet))
            ours = run_measured(REPORT, str(workspace), name, *args)
            if not best or ours["seconds"] < best["seconds"]:
                best = {**ours, "reference": best.get("reference", ref["seconds"][name])}
            best["reference"] = min(best["reference"], ref["seconds"][name])
        found[name] = best
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--opportunities", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--reports", default=",".join([*REPORTS, "forecast-backtest"]),
        help="the reports to measure, comma-separated (default: all and the backtest)",
    )  # fmt: skip
    parser.add_argument(
        "--skip-copy", action="store_true",
        help="leave out the copy's build and refresh (the workspace is not changed)",
    )  # fmt: skip
    parser.add_argument(
        "--repeat", type=int, default=1,
        help="run each report and its reference this many times, alternately; keep the best",
    )  # fmt: skip
    args = parser.parse_args()
    asked = [n for n in args.reports.split(",") if n]

    workspace = prepare(args.opportunities, args.seed)
    copies: list[dict] = []
    if not args.skip_copy:
        build = run_measured(COPY, str(workspace), "log", "build")
        build_rest = run_measured(COPY, str(workspace), "all", "refresh")
        _pipefit("import", str(new_events(workspace, NEW_EVENTS)), "-w", str(workspace))
        refresh = run_measured(COPY, str(workspace), "log", "refresh")
        refresh_all = run_measured(COPY, str(workspace), "all", "refresh")
        current = run_measured(COPY, str(workspace), "log", "refresh")
        current_all = run_measured(COPY, str(workspace), "all", "refresh")
        build_all = build["seconds"] + build_rest["seconds"]
        copies = [build, build_rest, refresh, refresh_all, current, current_all]
    parquet = WORK / "reports-reference"
    exported = run_measured(EXPORT, str(workspace), str(parquet))
    ours = _pairs(workspace, parquet, [n for n in REPORTS if n in asked], args.repeat)
    backtest = (
        run_measured(REPORT, str(workspace), "forecast-backtest", PERIOD)
        if "forecast-backtest" in asked
        else None
    )
    peaks = [*copies, *ours.values(), *([backtest] if backtest else [])]
    reports = {
        name: {
            "seconds": round(r["seconds"], 2),
            "reference_seconds": round(r["reference"], 2),
            "ratio": round(r["seconds"] / r["reference"], 2),
            "rows": r["rows"],
            "peak_rss_mb": r["peak_rss_mb"],
        }
        for name, r in ours.items()
    }
    if args.skip_copy:
        figures = {
            "opportunities": args.opportunities,
            "relations": exported["rows"],
            "reports": reports,
            "backtest_seconds": round(backtest["seconds"], 2) if backtest else None,
            "peak_rss_mb": max(int(p["peak_rss_mb"]) for p in peaks),
            "machine": machine(),
        }
        if args.json:
            print(json.dumps(figures))
            return
        for name, r in reports.items():
            print(
                f"  {name:<15} {r['seconds']:>8.2f} s  reference {r['reference_seconds']:>6.2f} s"
                f"  = {r['ratio']:>5.2f}x (target <= 1.5x)  peak {r['peak_rss_mb']:,} MB"
            )
        if backtest:
            print(f"  forecast-backtest, 8 quarters to {PERIOD} {backtest['seconds']:>6.2f} s")
        print(f"  peak memory (any step)  {figures['peak_rss_mb']:>8,} MB (target < 3,072 MB)")
        return
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
        "backtest_seconds": round(backtest["seconds"], 2) if backtest else None,
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
            f"  = {r['ratio']:>5.2f}x (target <= 1.5x)  peak {r['peak_rss_mb']:,} MB"
        )
    if backtest:
        print(
            f"  forecast-backtest, 8 quarters to {PERIOD} {backtest['seconds']:>6.2f} s "
            "(target < 30 s)"
        )
    print(f"  peak memory (any step)  {figures['peak_rss_mb']:>8,} MB (target < 3,072 MB)")


if __name__ == "__main__":
    main()
