"""The renderers every entry point shares: a Rich table for people, JSON and CSV for
scripts (plain values: numbers, ISO 8601 dates, ids), and HTML pages from Jinja2 templates."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from rich.console import Console
from rich.table import Table as RichTable

from pipefit.views.formatting import people_cell
from pipefit.views.shapes import Column, Fact, Table, View

__all__ = [
    "OUTPUT_FORMATS",
    "plain",
    "render",
    "rich_table",
    "to_csv",
    "to_html",
    "to_json",
    "to_jsonable",
]

OUTPUT_FORMATS = ("table", "json", "csv")


def to_jsonable(value: Any) -> Any:
    """Plain JSON values: exact decimals as numbers, times in ISO 8601, durations in seconds."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value


def plain(value: Any) -> str:
    """One CSV cell: the value itself (`364000.00`, `2026-03-02`), never a display string."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value.total_seconds())
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_json(view: View) -> str:
    return json.dumps(to_jsonable(view.machine_document()), indent=2) + "\n"


def table_csv(table: Table | None) -> str:
    buffer = io.StringIO()
    if table is not None and table.columns:
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([c.key for c in table.columns])
        for row in table.rows:
            writer.writerow([plain(row.get(c.key)) for c in table.columns])
    return buffer.getvalue()


def to_csv(view: View) -> str:
    return table_csv(view.csv_table())


def rich_table(table: Table) -> RichTable:
    shown = RichTable(title=table.title, title_justify="left")
    columns = table.columns or ()
    if not columns:
        shown.add_column("(none)")
    for column in columns:
        shown.add_column(column.heading, justify="right" if column.numeric else "left")
    for row in table.rows:
        shown.add_row(*(people_cell(row.get(c.key), c) for c in columns))
    return shown


def fitted(table: Table, width: int) -> tuple[Table, list[str]]:
    """The table narrowed to `width` where it allows it (`table.keep` > 0): its last
    columns left out until it fits, their headings returned for a note."""
    from dataclasses import replace

    from rich.measure import Measurement

    left_out: list[str] = []
    console = Console(width=10_000)
    while table.keep and len(table.columns) > table.keep:
        measured = Measurement.get(console, console.options, rich_table(table))
        if measured.maximum <= width:
            break
        left_out.insert(0, table.columns[-1].heading)
        table = replace(table, columns=table.columns[:-1])
    return table, left_out


def _fact_line(fact: Fact) -> str:
    value = people_cell(fact.value, Column(fact.key, fact.kind))
    return f"{fact.label}: {value}{' ' + fact.unit if fact.unit else ''}"


def render(view: View, fmt: str, console: Console) -> None:
    """Print a view in one of OUTPUT_FORMATS."""
    if fmt == "json":
        console.file.write(to_json(view))
        return
    if fmt == "csv":
        console.file.write(to_csv(view))
        return
    if view.title:
        console.print(view.title)
    for fact in view.facts:
        console.print(_fact_line(fact))
    notes = list(view.notes)
    for table in view.tables:
        shown, left_out = fitted(table, console.width)
        console.print(rich_table(shown))
        if left_out:
            name = f"'{table.title}'" if table.title else "the table"
            notes.append(
                f"{name} leaves out {', '.join(left_out)} on a terminal this narrow "
                "(every column is in the JSON and CSV forms)"
            )
    for note in notes:
        console.print(f"note: {note}")


@cache
def _templates() -> Environment:
    env = Environment(
        loader=PackageLoader("pipefit.views", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cell"] = people_cell
    env.filters["fact"] = _fact_line
    return env


def to_html(view: View, template: str = "view.html.j2", **context: Any) -> str:
    """A self-contained HTML page (autoescaped; no script or style from elsewhere)."""
    return _templates().get_template(template).render(view=view, **context)
