"""Tables a dashboard shows beside a report's own view: split suggestions out of the
friction findings, and coverage per rep, team and pool out of the kpis summary. Cells are
written for people by the same rules as every report table (`views.reports`)."""

from __future__ import annotations

from pipefit.analytics.result import ReportResult
from pipefit.charts.dashboards import coverage_rows
from pipefit.views import Table
from pipefit.views.reports import shown_table

__all__ = ["coverage_table", "split_table"]

SPLIT_KEYS = (
    "pipeline", "stage", "visits", "split_at_days", "low_share", "low_median_days",
    "high_share", "high_median_days", "delta_bic", "detail",
)  # fmt: skip
COVERAGE_KEYS = (
    "level", "id", "open_pipeline", "won_revenue", "quota", "quota_remaining", "coverage",
)  # fmt: skip


def split_table(result: ReportResult) -> list[Table]:
    """The stages the friction report finds two-humped: each a suggestion to split it."""
    rows = [r for r in result.rows.to_pylist() if r.get("finding") == "two_humps"]
    if not rows:
        return []
    keys = [k for k in SPLIT_KEYS if k in result.rows.column_names]
    title = f"Split suggestions: {len(rows)} stage(s) that look like two steps"
    return [shown_table(rows, keys, title=title, name="splits", keep=2)]


def coverage_table(result: ReportResult) -> list[Table]:
    """Coverage per rep, team, pool and in total (a quota only where its pay is seen)."""
    coverage = result.summary.get("coverage") or {}
    rows = coverage_rows(result)
    title = f"Coverage, {coverage.get('period', '')}"
    return [shown_table(rows, COVERAGE_KEYS, title=title, name="coverage", keep=2)]
