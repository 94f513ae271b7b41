"""The workspace summary behind `status`: deals per stage and per segment, open pipeline and
won amounts per currency, from opportunities already counted per group by the store."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.model import Category, StageEvent

__all__ = ["NO_ACCOUNT", "StatusSummary", "summarise"]

NO_ACCOUNT = "no account"  # the segment of deals without an account
UNPLACED = 999  # stages the pipeline no longer lists sort after its own


@dataclass(frozen=True)
class StatusSummary:
    counts: dict[str, int]  # rows per kind of record
    by_stage: dict[str, dict[str, int]]  # pipeline -> stage -> deals, in stage order
    by_segment: dict[str, dict[str, int]]  # segment -> outcome -> deals
    open_pipeline: dict[str, Decimal]  # currency -> amount of the open deals
    won_amount: dict[str, Decimal]  # currency -> amount of the won deals
    recent: list[StageEvent]  # the latest stage changes, newest first


def _by_stage(groups: pa.Table, positions: dict[tuple[str, str], int]) -> dict[str, dict[str, int]]:
    counted = groups.group_by(["pipeline", "stage"]).aggregate([("opportunities", "sum")])
    rows = counted.to_pylist()
    rows.sort(
        key=lambda r: (
            r["pipeline"],
            positions.get((r["pipeline"], r["stage"]), UNPLACED),
            r["stage"],
        )
    )
    by_stage: dict[str, dict[str, int]] = {}
    for row in rows:
        by_stage.setdefault(row["pipeline"], {})[row["stage"]] = int(row["opportunities_sum"])
    return by_stage


def _by_segment(groups: pa.Table) -> dict[str, dict[str, int]]:
    segment = pc.fill_null(groups["segment"], NO_ACCOUNT)
    named = groups.set_column(groups.column_names.index("segment"), "segment", segment)
    counted = named.group_by(["segment", "outcome"]).aggregate([("opportunities", "sum")])
    by_segment: dict[str, dict[str, int]] = {}
    for row in counted.to_pylist():
        by_segment.setdefault(row["segment"], {})[row["outcome"]] = int(row["opportunities_sum"])
    return by_segment


def _amounts(groups: pa.Table, outcome: Category) -> dict[str, Decimal]:
    chosen = groups.filter(pc.equal(groups["outcome"], str(outcome)))
    summed = chosen.group_by("currency").aggregate([("amount", "sum")])
    return {
        row["currency"]: row["amount_sum"] if row["amount_sum"] is not None else Decimal(0)
        for row in summed.to_pylist()
    }


def summarise(
    counts: dict[str, int],
    positions: dict[tuple[str, str], int],
    groups: pa.Table,
    recent: list[StageEvent],
) -> StatusSummary:
    """`groups` has one row per (pipeline, stage, segment, outcome, currency) with the
    number of deals (`opportunities`) and their summed `amount`."""
    return StatusSummary(
        counts=dict(counts),
        by_stage=_by_stage(groups, positions),
        by_segment=_by_segment(groups),
        open_pipeline=_amounts(groups, Category.OPEN),
        won_amount=_amounts(groups, Category.WON),
        recent=list(recent),
    )
