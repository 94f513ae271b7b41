"""The row-level keys of a mapping file's sections (docs/mappings.md): `where` (which rows
a section takes) and `when` (a field's value decided by other columns) share one small
language of conditions; `join` names another section's file and the key they share.

A condition names a source column and one test:

    { column = "Deal - Status", equals = "won" }
    { column = "origin", in = ["paid_search", "social"] }
    { column = "origin", not_in = ["unknown", ""] }
    { column = "won_date", empty = false }

Values are compared trimmed and ignoring case; `""` stands for an empty cell. A list of
conditions holds when every one of them holds.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "JOIN_KEYS",
    "TESTS",
    "Checks",
    "Condition",
    "Join",
    "Rule",
    "all_hold",
    "describe",
    "parse_conditions",
    "parse_joins",
    "parse_when",
]

TESTS = ("equals", "in", "not_in", "empty")


class Checks(Protocol):
    """Where a parser records a problem under the mapping key that holds it."""

    def bad(self, key: str | None, value: Any, message: str) -> None: ...


@dataclass(frozen=True)
class Condition:
    """One test on one source column."""

    column: str
    test: str  # equals | in | not_in | empty
    values: tuple[str, ...] = ()  # as written; compared trimmed and case-folded
    empty: bool = True

    def holds(self, cells: pa.Array) -> pa.Array:
        """A boolean per row (never null). `cells` is trimmed text, empty cells null."""
        if self.test == "empty":
            return pc.is_null(cells) if self.empty else pc.is_valid(cells)
        wanted = [v.strip().lower() for v in self.values]
        texts = [v for v in wanted if v]
        hit = pc.fill_null(
            pc.is_in(pc.utf8_lower(cells), value_set=pa.array(texts, pa.string())), False
        )
        if "" in wanted:
            hit = pc.or_(hit, pc.is_null(cells))
        return pc.invert(hit) if self.test == "not_in" else hit

    def describe(self) -> str:
        if self.test == "empty":
            return f"{self.column} is {'empty' if self.empty else 'not empty'}"
        shown = [f"'{v}'" if v else "empty" for v in self.values]
        if self.test == "equals":
            return f"{self.column} is {shown[0]}"
        listed = ", ".join(shown[:-1]) + f" or {shown[-1]}" if len(shown) > 1 else shown[0]
        return f"{self.column} is {'not ' if self.test == 'not_in' else ''}{listed}"


@dataclass(frozen=True)
class Rule:
    """`when.<field>`: the value a field takes on rows where `conditions` all hold."""

    value: str
    conditions: tuple[Condition, ...]


def _value(raw: Any) -> str | None:
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        return None
    return str(raw)


def _condition(check: Checks, raw: Any, key: str) -> Condition | None:
    if not isinstance(raw, dict):
        check.bad(key, raw, 'must be a condition such as { column = "Status", equals = "won" }')
        return None
    unknown = [k for k in raw if k != "column" and k not in TESTS]
    for name in unknown:
        check.bad(f"{key}.{name}", None, f"is not a key here; use: column, {', '.join(TESTS)}")
    column = raw.get("column")
    tests = [t for t in TESTS if t in raw]
    if not isinstance(column, str) or not column.strip():
        check.bad(f"{key}.column", column, "must name a source column")
        return None
    if len(tests) != 1:
        check.bad(key, None, f"needs exactly one test of: {', '.join(TESTS)}")
        return None
    test, given = tests[0], raw[tests[0]]
    where = f"{key}.{test}"
    if unknown:
        return None
    if test == "empty":
        if not isinstance(given, bool):
            check.bad(where, given, "must be true or false")
            return None
        return Condition(column.strip(), test, empty=given)
    if test == "equals":
        value = _value(given)
        if value is None:
            check.bad(where, None, "must be a value (a string)")
            return None
        return Condition(column.strip(), test, (value,))
    values = [_value(v) for v in given] if isinstance(given, list) else [None]
    if not values or any(v is None for v in values):
        check.bad(where, None, 'must be a non-empty list of values, e.g. ["won", "lost"]')
        return None
    return Condition(column.strip(), test, tuple(v for v in values if v is not None))


def parse_conditions(check: Checks, raw: Any, key: str) -> tuple[Condition, ...] | None:
    """A condition (a table) or several (a list of tables, all of which must hold)."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        check.bad(key, None, "needs at least one condition")
        return None
    parsed = [
        _condition(check, item, f"{key}[{i}]" if len(items) > 1 else key)
        for i, item in enumerate(items)
    ]
    if any(c is None for c in parsed):
        return None
    return tuple(c for c in parsed if c is not None)


def parse_when(
    check: Checks, raw: Any, key: str, fields: Sequence[str]
) -> dict[str, tuple[Rule, ...]]:
    """`[files.<x>.when.<field>]`: `"value" = condition`; the first that holds wins."""
    if not isinstance(raw, dict):
        check.bad(key, None, "must be a table of [when.<field>] sections")
        return {}
    result: dict[str, tuple[Rule, ...]] = {}
    for field, table in raw.items():
        where = f"{key}.{field}"
        if field not in fields:
            check.bad(where, None, f"is not a field here; its fields are: {', '.join(fields)}")
            continue
        if not isinstance(table, dict) or not table:
            check.bad(where, None, 'must be a table of "value" = { column = ..., equals = ... }')
            continue
        rules = []
        for value, conditions in table.items():
            parsed = parse_conditions(check, conditions, f'{where}."{value}"')
            if parsed is not None:
                rules.append(Rule(value.strip(), parsed))
        result[field] = tuple(rules)
    return result


def all_hold(
    conditions: Sequence[Condition], cells: Callable[[str], pa.Array], rows: int
) -> pa.Array:
    """True on the rows where every condition holds; `cells(column)` gives a column's text."""
    mask = pa.repeat(pa.scalar(True), rows)
    for condition in conditions:
        mask = pc.and_(mask, condition.holds(cells(condition.column)))
    return mask


def describe(conditions: Sequence[Condition]) -> str:
    return " and ".join(c.describe() for c in conditions)


# --- joins ----------------------------------------------------------------------------

UNMATCHED = ("note", "refuse")
JOIN_KEYS = ("file", "on", "left_on", "right_on", "unmatched")


@dataclass(frozen=True)
class Join:
    """`join = { file = "closed_deals", on = "mql_id" }` on a [files.<section>]."""

    section: str  # the [files.<section>] whose rows are joined on
    left_on: str  # key column of this file
    right_on: str  # key column of the joined file
    unmatched: str = "note"  # or "refuse"

    def describe(self) -> str:
        on = self.left_on if self.left_on == self.right_on else f"{self.left_on} = {self.right_on}"
        return f"[files.{self.section}] on {on}"


def _join(check: Checks, raw: Any, key: str, sections: Collection[str], own: str) -> Join | None:
    if not isinstance(raw, dict):
        check.bad(key, raw, 'must be a table such as { file = "closed_deals", on = "mql_id" }')
        return None
    for name in raw:
        if name not in JOIN_KEYS:
            check.bad(f"{key}.{name}", None, f"is not a key here; use: {', '.join(JOIN_KEYS)}")
    section = raw.get("file")
    if not isinstance(section, str) or section not in sections or section == own:
        check.bad(
            f"{key}.file",
            section,
            "must name another [files.<name>] section of this mapping"
            + (f" ({', '.join(s for s in sections if s != own)})" if len(sections) > 1 else ""),
        )
        return None
    on = raw.get("on")
    left, right = raw.get("left_on", on), raw.get("right_on", on)
    if not all(isinstance(c, str) and c.strip() for c in (left, right)):
        check.bad(
            f"{key}.on",
            None,
            "must name the key column both files hold (or give left_on and right_on)",
        )
        return None
    unmatched = raw.get("unmatched", "note")
    if unmatched not in UNMATCHED:
        check.bad(f"{key}.unmatched", unmatched, f"must be one of: {', '.join(UNMATCHED)}")
        return None
    assert isinstance(left, str) and isinstance(right, str)
    return Join(section, left.strip(), right.strip(), unmatched)


def parse_joins(
    check: Checks, raw: Any, key: str, sections: Collection[str], own: str
) -> tuple[Join, ...]:
    """One join (a table) or several (a list of tables)."""
    items = raw if isinstance(raw, list) else [raw]
    joins = [
        _join(check, item, f"{key}[{i}]" if len(items) > 1 else key, sections, own)
        for i, item in enumerate(items)
    ]
    return tuple(j for j in joins if j is not None)
