"""The deals a deal report is about: replayed to `query.as_of`, filtered by `query.where`,
grouped by `query.by`; and the checks that turn a query matching nothing into a clear
message instead of an empty table or a division by zero."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb

from pipefit.analytics.query import CUTS, ReportQuery, cut_sql
from pipefit.analytics.replay import deals_as_of, literal
from pipefit.domain.errors import PipefitError
from pipefit.domain.periods import Period, parse_period, period_of

__all__ = [
    "check_by",
    "check_scope",
    "default_quarter",
    "first_row",
    "moment_of",
    "period_label_sql",
    "quote",
    "report_period",
    "scoped_deals_sql",
    "seconds_sql",
]


def first_row(con: duckdb.DuckDBPyConnection, text: str) -> tuple[Any, ...]:
    """The first row of a query that always yields one (an aggregate)."""
    return tuple(con.sql(text).fetchall()[0])


def moment_of(query: ReportQuery) -> datetime:
    """The moment figures are measured at: the replay moment, else the clock."""
    return query.as_of or query.now or datetime.now(UTC)


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def seconds_sql(expr: str) -> str:
    return f"EXTRACT(EPOCH FROM {expr})"


def period_label_sql(expr: str, kind: str) -> str:
    """The label pipefit writes for the period of `kind` holding a timestamp (2026, 2026Q3,
    2026-07)."""
    year = f"CAST(EXTRACT(YEAR FROM {expr}) AS INTEGER)"
    if kind == "year":
        return f"CAST({year} AS VARCHAR)"
    if kind == "quarter":
        quarter = f"CAST(EXTRACT(QUARTER FROM {expr}) AS INTEGER)"
        return f"CAST({year} AS VARCHAR) || 'Q' || CAST({quarter} AS VARCHAR)"
    month = f"CAST(EXTRACT(MONTH FROM {expr}) AS INTEGER)"
    return (
        f"CAST({year} AS VARCHAR) || '-' || "
        f"CASE WHEN {month} < 10 THEN '0' ELSE '' END || CAST({month} AS VARCHAR)"
    )


def report_period(query: ReportQuery) -> Period | None:
    return None if query.period is None else parse_period(query.period)


def default_quarter(query: ReportQuery) -> Period:
    return period_of(moment_of(query), "quarter")


def check_by(query: ReportQuery, *, extra: tuple[str, ...] = ()) -> None:
    known = (*CUTS, *extra)
    for name in query.by:
        if name not in known:
            raise PipefitError(
                f"cannot cut by '{name}': known cuts are {', '.join(known)}", field="report.by"
            )


def where_sql(query: ReportQuery, alias: str = "d") -> str:
    terms = []
    for name, values in query.where.items():
        if name not in CUTS:
            raise PipefitError(
                f"cannot filter by '{name}': known cuts are {', '.join(CUTS)}", field="report.where"
            )
        listed = ", ".join(quote(v) for v in values)
        terms.append(f"{cut_sql(name, alias)} IN ({listed})" if values else "1 = 0")
    return " AND ".join(terms) if terms else "1 = 1"


def scoped_deals_sql(query: ReportQuery) -> str:
    """The deals as of the query's moment that its filters keep (alias-free SELECT)."""
    return f"SELECT d.* FROM ({deals_as_of(query.as_of)}) d WHERE {where_sql(query)}"


def check_scope(con: duckdb.DuckDBPyConnection, query: ReportQuery) -> bool:
    """False when the workspace holds no deals at all (the report says so in a note);
    raises when the query asks for a past with no deals yet or for values no deal has."""
    (total,) = first_row(con, "SELECT COUNT(*) FROM deals")
    if not total:
        return False
    if query.as_of is not None:
        (existing,) = first_row(
            con, f"SELECT COUNT(*) FROM deals WHERE created_at <= {literal(query.as_of)}"
        )
        if not existing:
            (first,) = first_row(con, "SELECT MIN(created_at) FROM deals")
            raise PipefitError(
                f"no deal existed as of {query.as_of.date().isoformat()}: the first was "
                f"created on {first.date().isoformat() if first else 'an unknown date'}",
                field="report.as_of",
            )
    replayed = deals_as_of(query.as_of)
    for name, values in query.where.items():
        if name not in CUTS:
            where_sql(query)  # raises with the known cuts
        if not values:
            continue
        listed = ", ".join(quote(v) for v in values)
        found = {
            r[0]
            for r in con.sql(
                f"SELECT DISTINCT {cut_sql(name)} FROM ({replayed}) d "
                f"WHERE {cut_sql(name)} IN ({listed})"
            ).fetchall()
        }
        missing = [v for v in values if v not in found]
        if missing:
            raise PipefitError(
                f"no deal has {name} {', '.join(repr(v) for v in missing)}", field="report.where"
            )
    if query.where:
        (kept,) = first_row(con, f"SELECT COUNT(*) FROM ({scoped_deals_sql(query)}) s")
        if not kept:
            raise PipefitError("no deal matches all of the filters together", field="report.where")
    return True
