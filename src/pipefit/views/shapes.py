"""The shapes a presenter builds: tables of typed columns, key figures and notes.

A shape holds plain values (int, Decimal, float, str, date, datetime, timedelta, None):
what a value *is*, never how it is shown. The column's `kind` tells a renderer for people
how to show it; the machine renderers ignore it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Column", "Fact", "Kind", "Table", "View"]


class Kind(StrEnum):
    TEXT = "text"
    INT = "int"
    NUMBER = "number"  # a plain decimal figure, shown with `places` decimals
    MONEY = "money"  # shown with thousands separators and two decimals
    PCT = "pct"  # a percentage already multiplied by 100 (62.5 means 62.5%)
    RATIO = "ratio"  # a share between 0 and 1, shown as a percentage
    DATE = "date"
    TIME = "time"
    DURATION = "duration"  # a timedelta, shown as "3d 4h"


@dataclass(frozen=True)
class Column:
    key: str
    kind: Kind = Kind.TEXT
    title: str | None = None  # default: the key with spaces for underscores
    places: int = 2  # decimals shown for NUMBER, PCT and RATIO

    @property
    def heading(self) -> str:
        return self.title if self.title is not None else self.key.replace("_", " ")

    @property
    def numeric(self) -> bool:
        return self.kind not in (Kind.TEXT, Kind.DATE, Kind.TIME)


@dataclass(frozen=True)
class Table:
    """Rows of plain values under typed columns. Rows are mappings keyed by column key."""

    columns: tuple[Column, ...]
    rows: Sequence[Mapping[str, Any]]
    title: str | None = None
    name: str = "rows"  # the key of this table in a view's JSON document
    # On a terminal too narrow for every column: 0 wraps the cells (the default); n > 0
    # keeps the first n columns and leaves out the others from the right until it fits.
    keep: int = 0

    @staticmethod
    def of(
        rows: Sequence[Mapping[str, Any]],
        kinds: Mapping[str, Kind] | None = None,
        *,
        title: str | None = None,
        name: str = "rows",
        keys: Sequence[str] | None = None,
        keep: int = 0,
    ) -> Table:
        """A table whose columns are the rows' keys (or `keys`); kinds default to TEXT for
        strings and INT/NUMBER for numbers, overridden by `kinds`."""
        names = list(keys) if keys is not None else (list(rows[0]) if rows else [])
        given = kinds or {}
        columns = tuple(Column(k, given.get(k) or _guess(rows, k)) for k in names)
        return Table(columns, rows, title, name, keep)

    def plain_rows(self) -> list[dict[str, Any]]:
        keys = [c.key for c in self.columns]
        return [{k: row.get(k) for k in keys} for row in self.rows]


def _guess(rows: Sequence[Mapping[str, Any]], key: str) -> Kind:
    from datetime import date, datetime, timedelta
    from decimal import Decimal

    value = next((r.get(key) for r in rows if r.get(key) is not None), None)
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return Kind.TEXT
    if isinstance(value, int):
        return Kind.INT
    if isinstance(value, Decimal | float):
        return Kind.NUMBER
    if isinstance(value, datetime):
        return Kind.TIME
    if isinstance(value, date):
        return Kind.DATE
    if isinstance(value, timedelta):
        return Kind.DURATION
    return Kind.TEXT


@dataclass(frozen=True)
class Fact:
    """One key figure shown above the tables ("Quota: 300,000.00 USD")."""

    key: str
    label: str
    value: Any
    kind: Kind = Kind.TEXT
    unit: str = ""


@dataclass
class View:
    """What one command, endpoint or page shows.

    `document` is the machine form (JSON): plain values only. When it is None the JSON
    renderer builds one from the facts, the tables (by name) and the notes. `csv` names the
    table a CSV export writes (default: the first).
    """

    title: str | None = None
    facts: list[Fact] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    document: Any = None
    csv: str | None = None

    def machine_document(self) -> Any:
        if self.document is not None:
            return self.document
        doc: dict[str, Any] = {f.key: f.value for f in self.facts}
        for table in self.tables:
            doc[table.name] = table.plain_rows()
        if self.notes:
            doc["notes"] = list(self.notes)
        return doc

    def csv_table(self) -> Table | None:
        if not self.tables:
            return None
        if self.csv is None:
            return self.tables[0]
        return next(t for t in self.tables if t.name == self.csv)
