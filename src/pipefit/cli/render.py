"""The CLI's side of the presenter layer: print a view (or plain rows) to a console."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console

from pipefit.views import OUTPUT_FORMATS, Table, View, render, to_jsonable
from pipefit.views.formatting import duration
from pipefit.views.shapes import Kind

__all__ = ["OUTPUT_FORMATS", "duration", "emit", "show", "to_jsonable"]


def show(console: Console, fmt: str, view: View) -> None:
    render(view, fmt, console)


def emit(
    console: Console,
    fmt: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    title: str | None = None,
    document: Any = None,
    kinds: Mapping[str, Kind] | None = None,
) -> None:
    """Print rows as one table; for JSON, `document` (if given) is printed instead of the rows."""
    table = Table.of(rows, kinds, title=title)
    view = View(tables=[table], document=document if document is not None else table.plain_rows())
    render(view, fmt, console)
