"""Closed pay periods as Views: a close just made, and the list of closes."""

from __future__ import annotations

from collections.abc import Sequence

from pipefit.domain.closes import PeriodClose
from pipefit.services.period_close import ClosedPeriod
from pipefit.views.shapes import Column, Fact, Kind, Table, View

__all__ = ["close_view", "closes_view"]

CLOSE_COLUMNS = (
    Column("period"),
    Column("closed_by"),
    Column("closed_at", Kind.TIME),
    Column("statements", Kind.INT),
    Column("variable_pay", Kind.MONEY),
)


def _row(c: PeriodClose) -> dict[str, object]:
    return {
        "period": c.period,
        "closed_by": c.closed_by,
        "closed_at": c.closed_at,
        "statements": c.statements,
        "variable_pay": c.variable_pay,
    }


def closes_view(closes: Sequence[PeriodClose]) -> View:
    """Which periods are closed, by whom and when (earliest first)."""
    table = Table(CLOSE_COLUMNS, [_row(c) for c in closes], "Closed pay periods", "closes")
    notes = [] if closes else ["no period is closed yet"]
    return View(tables=[table], notes=notes, document=table.plain_rows())


KEYS = ("person", "role", "reason")


def close_view(result: ClosedPeriod) -> View:
    """A close: who, when, how many statements and what they pay; who was not paid."""
    c = result.close
    skipped = [{"person": p, "role": r, "reason": why} for p, r, why in result.skipped]
    return View(
        title=f"{c.period} closed by {c.closed_by}",
        facts=[
            Fact("period", "Period", c.period),
            Fact("closed_by", "Closed by", c.closed_by),
            Fact("closed_at", "Closed at", c.closed_at, Kind.TIME),
            Fact("statements", "Statements kept", c.statements, Kind.INT),
            Fact("variable_pay", "Variable pay", c.variable_pay, Kind.MONEY),
            Fact(
                "adjustments", "Adjustment lines for earlier closes", result.adjustments, Kind.INT
            ),
        ],
        tables=[
            Table.of(skipped, title="Not paid", name="skipped", keys=("person", "role", "reason"))
        ],
        document={**_row(c), "adjustments": result.adjustments, "skipped": skipped},
    )
