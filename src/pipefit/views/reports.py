"""What `report NAME` shows: the report's records as a table, its headline figures above
them, how each figure is computed and what the data could not support below them.

Its machine form depends on the report's JSON shape (`services.reports.JSON_SHAPES`):
"report", a document `{"report", "as_of", "summary", "definitions", "notes", "rows"}`;
"records", the list of its rows; "summary", the summary keys at the top level (with the
definitions and notes) and, when the report was cut, each group's figures under "groups".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipefit.analytics.result import ReportResult
from pipefit.views.shapes import Fact, Kind, Table, View

__all__ = ["report_document", "report_view"]


def _rows(result: ReportResult) -> list[dict[str, Any]]:
    return list(result.rows.to_pylist())


def report_document(
    result: ReportResult, *, as_of: datetime | None, shape: str = "report", cut: bool = False
) -> Any:
    """The machine form of a result (plain values; the renderer makes them JSON)."""
    rows = _rows(result)
    if shape == "records":
        return rows
    if shape == "summary":
        doc: dict[str, Any] = dict(result.summary)
        doc["definitions"] = dict(result.definitions)
        doc["notes"] = list(result.notes)
        if cut:
            doc["groups"] = rows
        return doc
    return {
        "report": result.name,
        "as_of": as_of,
        "summary": dict(result.summary),
        "definitions": dict(result.definitions),
        "notes": list(result.notes),
        "rows": rows,
    }


def _kind(value: Any) -> Kind:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return Kind.TEXT
    if isinstance(value, int):
        return Kind.INT
    if isinstance(value, float):
        return Kind.NUMBER
    if isinstance(value, datetime):
        return Kind.TIME
    return Kind.TEXT


def report_view(
    result: ReportResult,
    *,
    title: str | None = None,
    as_of: datetime | None = None,
    shape: str = "report",
    cut: bool = False,
) -> View:
    rows = _rows(result)
    facts = [
        Fact(key, key.replace("_", " "), value, _kind(value))
        for key, value in result.summary.items()
        if not isinstance(value, dict | list)
    ]
    tables = [Table.of(rows, keys=result.rows.column_names, title=title or result.name)]
    if result.definitions:
        defined = [{"figure": k, "how it is computed": v} for k, v in result.definitions.items()]
        tables.append(Table.of(defined, name="definitions"))
    heading = title or result.name
    if as_of is not None:
        heading += f" (as of {as_of:%Y-%m-%d %H:%M} UTC)"
    return View(
        title=heading,
        facts=facts,
        tables=tables,
        notes=list(result.notes),
        document=report_document(result, as_of=as_of, shape=shape, cut=cut),
        csv="rows",
    )
