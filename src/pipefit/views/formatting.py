"""How values are shown to people (terminal tables, HTML pages). Machine formats never use this."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from pipefit.views.shapes import Column, Kind

__all__ = ["duration", "money", "people_cell", "percent"]


def duration(delta: timedelta) -> str:
    """3d 4h, 5h 20m or 12m. Negative spans keep their sign."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes}m"
    return f"{sign}{minutes}m"


def money(value: Decimal | int | float) -> str:
    return f"{Decimal(str(value)) if isinstance(value, float) else value:,.2f}"


def percent(value: Decimal | float, places: int = 2) -> str:
    """A percentage (62.5 -> "62.50"), truncated rather than rounded, so that a figure just
    under a threshold (49.999%) is never shown as the threshold (50.00%)."""
    exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    step = Decimal(1).scaleb(-places)
    return f"{exact.quantize(step, rounding=ROUND_DOWN):,.{places}f}"


def people_cell(value: Any, column: Column | None = None) -> str:
    """One cell as a person reads it."""
    if value is None:
        return ""
    kind = column.kind if column is not None else None
    places = column.places if column is not None else 2
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == Kind.MONEY and isinstance(value, Decimal | int | float):
        return money(value)
    if kind == Kind.PCT and isinstance(value, Decimal | int | float):
        return percent(value, places)
    if kind == Kind.RATIO and isinstance(value, Decimal | int | float):
        return percent(Decimal(str(value)) * 100, places)
    if kind == Kind.NUMBER and isinstance(value, Decimal | float):
        return f"{value:,.{places}f}"
    if isinstance(value, timedelta):
        return duration(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)
