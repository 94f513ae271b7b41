"""The SQL of `report kpis`, in one place (standard SQL: CTEs, window functions, CASE,
percentile_cont ... WITHIN GROUP). The formulas are those of `domain.metrics`."""

from __future__ import annotations

from datetime import datetime

from pipefit.analytics.query import ReportQuery, cut_sql
from pipefit.analytics.replay import events_as_of, literal
from pipefit.analytics.reports.deal_scope import period_label_sql, scoped_deals_sql, seconds_sql
from pipefit.domain.periods import Period

__all__ = [
    "closed_deals_sql",
    "coverage_sql",
    "customers_sql",
    "flags_sql",
    "kpi_sql",
    "lanes_sql",
    "periods_sql",
    "won_between_sql",
]

DAYS_PER_MONTH = 30.4375
_DAY = 86400.0


def _count(condition: str) -> str:
    return f"CAST(COALESCE(SUM(CASE WHEN {condition} THEN 1 ELSE 0 END), 0) AS BIGINT)"


def _days(later: str, earlier: str) -> str:
    return f"({seconds_sql(later)} - {seconds_sql(earlier)}) / {_DAY}"


def flags_sql(query: ReportQuery, moment: datetime, period: Period | None) -> str:
    """One row per deal in scope with its won cycle and whether it is stalled.

    With a period, closed deals count only when closed in it; open deals always count."""
    kept = "1 = 1"
    if period is not None:
        kept = (
            f"(d.outcome = 'open' OR (d.closed_at >= {literal(period.start_at)} "
            f"AND d.closed_at < {literal(period.end_at)}))"
        )
    return f"""
WITH
scoped AS ({scoped_deals_sql(query)}),
e AS ({events_as_of(query.as_of)}),
linked AS (
    -- one pass over the log: each event's visit length and whether it is the deal's last
    SELECT opportunity_id, pipeline, to_stage AS stage, "at",
           {_days('LEAD("at") OVER w', '"at"')} AS days,
           LEAD(seq) OVER w AS next_seq
    FROM e
    WINDOW w AS (PARTITION BY opportunity_id ORDER BY seq)
),
p90 AS (
    SELECT pipeline, stage, percentile_cont(0.9) WITHIN GROUP (ORDER BY days) AS p90_days
    FROM linked WHERE days IS NOT NULL GROUP BY pipeline, stage
),
entered AS (SELECT opportunity_id, "at" AS entered_at FROM linked WHERE next_seq IS NULL)
SELECT d.*,
       CASE WHEN d.outcome = 'won' THEN {_days("d.closed_at", "d.created_at")} END
           AS won_cycle_days,
       CASE WHEN d.outcome = 'open' AND p.p90_days IS NOT NULL
                 AND {_days(literal(moment), "COALESCE(n.entered_at, d.created_at)")}
                     > p.p90_days
            THEN 1 ELSE 0 END AS stalled,
       CASE WHEN d.outcome = 'open' AND p.p90_days IS NULL THEN 1 ELSE 0 END AS unmeasured
FROM scoped d
LEFT JOIN entered n ON n.opportunity_id = d.opportunity_id
LEFT JOIN p90 p ON p.pipeline = d.pipeline AND p.stage = d.stage
WHERE {kept}
"""


def _key_sql(name: str, period_kind: str) -> str:
    if name == "period":
        return period_label_sql("COALESCE(d.closed_at, d.expected_close)", period_kind)
    return cut_sql(name)


def kpi_sql(flags: str, by: tuple[str, ...], period_kind: str) -> str:
    """The headline figures per group of `by` (one row, over everything, when empty)."""
    keys = [f"{_key_sql(name, period_kind)} AS {name}" for name in by]
    select_keys = "".join(f"{k}, " for k in keys)
    group = f"GROUP BY {', '.join(_key_sql(n, period_kind) for n in by)}" if by else ""
    names = "".join(f"{n}, " for n in by)
    order = f"ORDER BY {', '.join(by)}" if by else ""
    won = "d.outcome = 'won'"
    return f"""
WITH
f AS ({flags}),
agg AS (
    SELECT {select_keys}
           COUNT(*) AS deals,
           {_count("d.outcome = 'open'")} AS open,
           {_count(won)} AS won,
           {_count("d.outcome = 'lost'")} AS lost,
           CAST(COALESCE(SUM(d.stalled), 0) AS BIGINT) AS stalled,
           CAST(COALESCE(SUM(d.unmeasured), 0) AS BIGINT) AS unmeasured,
           SUM(CASE WHEN {won} THEN d.amount_home END) AS won_revenue,
           {_count(f"{won} AND d.amount_home IS NULL")}
               AS won_without_amount,
           AVG(CASE WHEN {won} THEN d.amount_home END) AS average_won_amount,
           SUM(CASE WHEN d.outcome = 'open' THEN d.amount_home END) AS open_pipeline,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY d.won_cycle_days)
               AS median_cycle_days_won,
           AVG(d.won_cycle_days) AS mean_cycle_days_won
    FROM f d
    {group}
),
rated AS (
    SELECT agg.*,
           CAST(won AS DOUBLE) / NULLIF(won + lost, 0) AS win_rate,
           CAST(won AS DOUBLE) / NULLIF(won + lost + stalled, 0) AS win_rate_counting_stalled
    FROM agg
),
sped AS (
    SELECT rated.*,
           open * win_rate * average_won_amount / NULLIF(mean_cycle_days_won, 0)
               AS velocity
    FROM rated
)
SELECT {names}
       deals, open, won, lost, stalled,
       ROUND(win_rate, 4) AS win_rate,
       ROUND(win_rate_counting_stalled, 4) AS win_rate_counting_stalled,
       ROUND(COALESCE(won_revenue, 0), 4) AS won_revenue,
       won_without_amount,
       ROUND(average_won_amount, 4) AS average_won_amount,
       ROUND(COALESCE(open_pipeline, 0), 4) AS open_pipeline,
       ROUND(median_cycle_days_won, 4) AS median_cycle_days_won,
       ROUND(mean_cycle_days_won, 4) AS mean_cycle_days_won,
       ROUND(velocity, 4) AS sales_velocity_per_day,
       ROUND(velocity * {DAYS_PER_MONTH}, 4) AS sales_velocity_per_month,
       unmeasured
FROM sped
{order}
"""


def closed_deals_sql(query: ReportQuery) -> str:
    """The won and lost deals in scope with a close date, with the year, quarter and month
    of the close as integers: what `periods_sql` groups (kept once in a table, so the
    month, quarter and year tallies replay the deals once and group on integers)."""
    return f"""
SELECT d.outcome, d.amount_home, d.account_id,
       CAST(EXTRACT(YEAR FROM d.closed_at) AS INTEGER) AS y,
       CAST(EXTRACT(QUARTER FROM d.closed_at) AS INTEGER) AS q,
       CAST(EXTRACT(MONTH FROM d.closed_at) AS INTEGER) AS m
FROM ({scoped_deals_sql(query)}) d
WHERE d.outcome IN ('won', 'lost') AND d.closed_at IS NOT NULL
"""


# The period's label (2026, 2026Q3, 2026-07) from the grouped integer keys, as
# `period_label_sql` writes it from a timestamp.
_LABELS = {
    "year": "CAST(g.y AS VARCHAR)",
    "quarter": "CAST(g.y AS VARCHAR) || 'Q' || CAST(g.k AS VARCHAR)",
    "month": "CAST(g.y AS VARCHAR) || '-' || CASE WHEN g.k < 10 THEN '0' ELSE '' END"
    " || CAST(g.k AS VARCHAR)",
}
_KEYS = {"year": "d.y", "quarter": "d.q", "month": "d.m"}


def periods_sql(closed: str, kind: str) -> str:
    """Per period of `kind` in which deals closed: won, lost, win rate, won revenue and the
    revenue per customer (won revenue / distinct accounts behind it), over `closed` (a
    relation of `closed_deals_sql`)."""
    return f"""
SELECT {_LABELS[kind]} AS period, g.won, g.lost,
       ROUND(CAST(g.won AS DOUBLE) / NULLIF(g.won + g.lost, 0), 4) AS win_rate,
       ROUND(COALESCE(g.won_sum, 0), 4) AS won_revenue,
       g.customers,
       ROUND(g.won_sum / NULLIF(g.customers, 0), 4) AS revenue_per_customer
FROM (
    SELECT d.y, {_KEYS[kind]} AS k,
           {_count("d.outcome = 'won'")} AS won,
           {_count("d.outcome = 'lost'")} AS lost,
           SUM(CASE WHEN d.outcome = 'won' THEN d.amount_home END) AS won_sum,
           COUNT(DISTINCT CASE WHEN d.outcome = 'won' AND d.amount_home IS NOT NULL
                               THEN d.account_id END) AS customers
    FROM {closed} d
    GROUP BY d.y, {_KEYS[kind]}
) g
ORDER BY period
"""


def won_between_sql(query: ReportQuery, periods: list[Period]) -> str:
    """Won revenue in each of `periods` (one column each, p0, p1, ...)."""
    columns = ", ".join(
        f"COALESCE(SUM(CASE WHEN d.outcome = 'won' AND d.closed_at >= {literal(p.start_at)} "
        f"AND d.closed_at < {literal(p.end_at)} THEN d.amount_home END), 0) AS p{i}"
        for i, p in enumerate(periods)
    )
    return f"WITH d AS ({scoped_deals_sql(query)}) SELECT {columns} FROM d"


def coverage_sql(query: ReportQuery, period: Period) -> str:
    """Per rep, team, pool and in total: open pipeline expected to close in the period,
    revenue won in it, the quota (quotas lying inside the period, summed) and coverage."""
    start, end = literal(period.start_at), literal(period.end_at)
    return f"""
WITH
d AS ({scoped_deals_sql(query)}),
w AS (
    SELECT d.owner_id, d.team_id, d.presales_id,
           CASE WHEN d.outcome = 'open' AND d.expected_close >= {start}
                     AND d.expected_close < {end} THEN d.amount_home END AS pipe,
           CASE WHEN d.outcome = 'won' AND d.closed_at >= {start}
                     AND d.closed_at < {end} THEN d.amount_home END AS won
    FROM d
),
q AS (
    SELECT owner_kind, owner_id, SUM(amount_home) AS quota
    FROM quotas WHERE period_start >= {start} AND period_end <= {end}
    GROUP BY owner_kind, owner_id
),
reps AS (SELECT owner_id AS id, SUM(pipe) AS pipe, SUM(won) AS won FROM w
         WHERE owner_id IS NOT NULL GROUP BY owner_id),
rep_rows AS (
    SELECT 'rep' AS level, COALESCE(r.id, q.owner_id) AS id, r.pipe, r.won, q.quota
    FROM reps r
    FULL OUTER JOIN (SELECT * FROM q WHERE owner_kind = 'person') q ON q.owner_id = r.id
),
team_quota AS (
    SELECT p.team_id, SUM(q.quota) AS quota FROM q
    JOIN people p ON p.person_id = q.owner_id
    WHERE q.owner_kind = 'person' AND p.team_id IS NOT NULL GROUP BY p.team_id
),
teams AS (SELECT team_id AS id, SUM(pipe) AS pipe, SUM(won) AS won FROM w
          WHERE team_id IS NOT NULL GROUP BY team_id),
team_rows AS (
    SELECT 'team' AS level, COALESCE(t.id, tq.team_id) AS id, t.pipe, t.won, tq.quota
    FROM teams t FULL OUTER JOIN team_quota tq ON tq.team_id = t.id
),
pool_rows AS (
    SELECT 'pool' AS level, q.owner_id AS id,
           (SELECT SUM(w.pipe) FROM w JOIN pool_members m ON m.presales_id = w.presales_id
            WHERE m.pool_id = q.owner_id) AS pipe,
           (SELECT SUM(w.won) FROM w JOIN pool_members m ON m.presales_id = w.presales_id
            WHERE m.pool_id = q.owner_id) AS won,
           q.quota
    FROM q WHERE q.owner_kind = 'pool'
),
total_row AS (
    SELECT 'total' AS level, 'all' AS id, SUM(w.pipe) AS pipe, SUM(w.won) AS won,
           (SELECT SUM(quota) FROM q WHERE owner_kind = 'person') AS quota
    FROM w
),
rows_ AS (
    SELECT * FROM rep_rows UNION ALL SELECT * FROM team_rows
    UNION ALL SELECT * FROM pool_rows UNION ALL SELECT * FROM total_row
),
filled AS (
    SELECT level, id, COALESCE(pipe, 0) AS pipe, COALESCE(won, 0) AS won, quota,
           CASE WHEN quota IS NULL THEN NULL
                WHEN quota - COALESCE(won, 0) > 0 THEN quota - COALESCE(won, 0)
                ELSE 0 END AS remaining
    FROM rows_
)
SELECT level, id,
       ROUND(pipe, 4) AS open_pipeline, ROUND(won, 4) AS won_revenue,
       ROUND(quota, 4) AS quota, ROUND(remaining, 4) AS quota_remaining,
       ROUND(pipe / NULLIF(remaining, 0), 4) AS coverage
FROM filled
ORDER BY CASE level WHEN 'total' THEN 0 WHEN 'team' THEN 1 WHEN 'pool' THEN 2 ELSE 3 END, id
"""


def customers_sql(moment: datetime) -> str:
    """Customers won by the moment; a churn after it has not happened yet."""
    m = literal(moment)
    return f"""
SELECT account_id, industry, segment, won_at, expanded, revenue_home, margin_home,
       CASE WHEN churned_at <= {m} THEN churned_at END AS churned_at
FROM customers WHERE won_at <= {m}
"""


def churn_sql(moment: datetime, period: Period) -> str:
    start, end = literal(period.start_at), literal(period.end_at)
    return f"""
WITH c AS ({customers_sql(moment)})
SELECT COUNT(*) AS at_start,
       {_count(f"churned_at IS NOT NULL AND churned_at < {end}")} AS lost,
       (SELECT COUNT(*) FROM c) AS customers,
       (SELECT {_count("expanded")} FROM c) AS expanded
FROM c
WHERE won_at < {start} AND (churned_at IS NULL OR churned_at >= {start})
"""


def lanes_sql(moment: datetime) -> str:
    """Per lane (industry, segment): churn per customer-year, revenue per customer-year,
    margin rate and lifetime value (revenue per year x margin rate / churn per year)."""
    m = literal(moment)
    years = f"GREATEST({seconds_sql(f'COALESCE(churned_at, {m})')} - {seconds_sql('won_at')}, 0)"
    priced = "margin_home IS NOT NULL AND revenue_home IS NOT NULL AND revenue_home <> 0"
    return f"""
WITH
c AS ({customers_sql(moment)}),
lane AS (
    SELECT industry, segment, COUNT(*) AS customers,
           {_count("churned_at IS NOT NULL")} AS churned,
           SUM({years}) / (365.25 * {_DAY}) AS customer_years,
           COALESCE(SUM(revenue_home), 0) AS revenue,
           SUM(CASE WHEN {priced} THEN margin_home END)
               / NULLIF(SUM(CASE WHEN {priced} THEN revenue_home END), 0) AS margin_rate
    FROM c GROUP BY industry, segment
),
rated AS (
    SELECT lane.*,
           churned / NULLIF(customer_years, 0) AS churn_per_year,
           revenue / NULLIF(customer_years, 0) AS revenue_per_customer_year
    FROM lane
)
SELECT industry, segment, customers, churned,
       ROUND(customer_years, 4) AS customer_years,
       ROUND(churn_per_year, 4) AS churn_per_year,
       ROUND(revenue_per_customer_year, 4) AS revenue_per_customer_year,
       ROUND(margin_rate, 4) AS margin_rate,
       ROUND(revenue_per_customer_year * margin_rate / NULLIF(churn_per_year, 0), 4)
           AS lifetime_value
FROM rated
ORDER BY industry, segment
"""
