"""Cuts and filters of a deal report as SQL (shared by the funnel and the flow)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from pipefit.analytics.query import CUTS, ReportQuery, cut_sql
from pipefit.domain.errors import PipefitError

__all__ = ["check_cuts", "group_columns", "moment", "text", "where_sql"]


def text(value: str) -> str:
    """A SQL string literal (quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def check_cuts(query: ReportQuery, report: str, allowed: Iterable[str] = CUTS) -> None:
    known = list(allowed)
    for name in query.by:
        if name not in known:
            raise PipefitError(
                f"the {report} report cannot be cut by '{name}' (it knows {', '.join(known)})",
                field="report.by",
            )
    for name in query.where:
        if name not in known:
            raise PipefitError(
                f"the {report} report cannot be filtered by '{name}' (it knows {', '.join(known)})",
                field="report.where",
            )


def where_sql(where: Mapping[str, tuple[str, ...]], alias: str = "d") -> str:
    """`TRUE AND <cut> IN (...) AND ...` over a deal row aliased `alias`."""
    parts = ["TRUE"]
    for name, values in where.items():
        if not values:
            parts.append("FALSE")
            continue
        listed = ", ".join(text(v) for v in values)
        parts.append(f"{cut_sql(name, alias)} IN ({listed})")
    return " AND ".join(parts)


def group_columns(by: Iterable[str], alias: str = "d") -> list[tuple[str, str]]:
    """(column name, SQL expression) per cut."""
    return [(name, cut_sql(name, alias)) for name in by]


def moment(query: ReportQuery) -> datetime | None:
    """The moment the log is replayed to (None: as it stands)."""
    if query.as_of is None:
        return None
    if query.as_of.tzinfo is None:
        return query.as_of.replace(tzinfo=UTC)
    return query.as_of


def now(query: ReportQuery) -> datetime:
    """The clock: as_of, else the query's now, else the wall clock."""
    return moment(query) or query.now or datetime.now(UTC)
