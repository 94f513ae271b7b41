"""Render rows as a Rich table (people), JSON or CSV (scripts)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["OUTPUT_FORMATS", "duration", "emit", "to_jsonable"]

OUTPUT_FORMATS = ("table", "json", "csv")


def to_jsonable(value: Any) -> Any:
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


def duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def emit(
    console: Console,
    fmt: str,
    rows: Sequence[dict[str, Any]],
    *,
    title: str | None = None,
    document: Any = None,
) -> None:
    """Print rows; for JSON, `document` (if given) is printed instead of the rows."""
    if fmt == "json":
        console.file.write(
            json.dumps(to_jsonable(rows if document is None else document), indent=2) + "\n"
        )
        return
    if fmt == "csv":
        buffer = io.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(v) for k, v in row.items()})
        console.file.write(buffer.getvalue())
        return
    table = Table(title=title, title_justify="left")
    for key in rows[0] if rows else ["(none)"]:
        numeric = bool(rows) and isinstance(rows[0][key], int | float | Decimal)
        table.add_column(key.replace("_", " "), justify="right" if numeric else "left")
    for row in rows:
        table.add_row(*(_cell(v) for v in row.values()))
    console.print(table)
