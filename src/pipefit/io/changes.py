"""The rows of amount and close-date history in a batch (table `opportunity_changes`).

CRM readers that see such history (Salesforce's OpportunityHistory), the native file
`opportunity_changes.csv` and the import's snapshot comparison produce them; stage moves
stay stage events. The close date is the one expected while the deal is open.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.changes import ChangedField
from pipefit.domain.imports import FILE, ROW
from pipefit.io.native import ENTITIES

__all__ = ["CHANGES", "changes_table", "distinct", "finish_changes"]

AMOUNT, CLOSE_DATE = str(ChangedField.AMOUNT), str(ChangedField.CLOSE_DATE)

CHANGES = ENTITIES["opportunity_changes"]

_TYPES = {
    "opportunity_id": pa.string(),
    "field": pa.string(),
    "at": pa.timestamp("us", tz="UTC"),
    "ordinal": pa.int64(),
    "old_amount": pa.decimal128(18, 4),
    "new_amount": pa.decimal128(18, 4),
    "old_close_date": pa.timestamp("us", tz="UTC"),
    "new_close_date": pa.timestamp("us", tz="UTC"),
    "currency": pa.string(),
    ROW: pa.int64(),
    FILE: pa.string(),
}


def changes_table(columns: Mapping[str, pa.Array | pa.ChunkedArray], count: int) -> pa.Table:
    """A table of `CHANGES` from typed columns; absent ones are null."""
    return pa.table(
        {
            name: pc.cast(columns[name], kind) if name in columns else pa.nulls(count, kind)
            for name, kind in _TYPES.items()
        }
    )


def distinct(
    a: pa.Array | pa.ChunkedArray, b: pa.Array | pa.ChunkedArray
) -> pa.Array | pa.ChunkedArray:
    """a IS DISTINCT FROM b: unequal values, or one null and the other not."""
    return pc.fill_null(pc.not_equal(a, b), pc.xor(pc.is_null(a), pc.is_null(b)))


def _number(changes: pa.Table) -> pa.Table:
    """Give rows without an ordinal 1, 2, ... among changes of the field at the same time."""
    if changes.num_rows == 0 or pc.all(pc.is_valid(changes["ordinal"])).as_py():
        return changes
    keys = ["opportunity_id", "field", "at"]
    order = [(k, "ascending") for k in keys] + [(FILE, "ascending"), (ROW, "ascending")]
    ordered = changes.take(pc.sort_indices(changes, sort_keys=order))
    same = None
    for key in keys:
        column = ordered[key].combine_chunks()
        equal = pc.fill_null(pc.equal(column[1:], column[:-1]), False)
        same = equal if same is None else pc.and_(same, equal)
    starts = pa.concat_arrays([pa.array([True]), pc.invert(same)]) if same is not None else None
    positions = pa.array(range(ordered.num_rows), pa.int64())
    first = pc.fill_null_forward(pc.if_else(starts, positions, pa.scalar(None, pa.int64())))
    ordinal = pc.add(pc.subtract(positions, first), 1)
    index = ordered.column_names.index("ordinal")
    return ordered.set_column(index, "ordinal", pc.coalesce(ordered["ordinal"], ordinal))


def _deal_currency(
    ids: pa.ChunkedArray | pa.Array, deals: list[pa.Table]
) -> pa.Array | pa.ChunkedArray:
    """Each change's deal's currency: the first table of `deals` that holds the deal."""
    result: pa.Array | pa.ChunkedArray = pa.nulls(len(ids), pa.string())
    for table in deals:
        if table.num_rows == 0:
            continue
        where = pc.index_in(ids, value_set=table["opportunity_id"].combine_chunks())
        found = pc.take(pc.cast(table["currency"], pa.string()), where)
        result = pc.coalesce(result, found)
    return result


def finish_changes(changes: pa.Table, deals: list[pa.Table], currency: str) -> pa.Table:
    """Amounts take their deal's currency (from `deals`, in order) unless a row says its
    own, else the workspace's; rows without an ordinal are numbered."""
    is_amount = pc.equal(changes["field"], AMOUNT)
    own = _deal_currency(changes["opportunity_id"], deals)
    filled = pc.coalesce(changes["currency"], own, pa.scalar(currency))
    money = pc.if_else(is_amount, filled, pa.scalar(None, pa.string()))
    changes = changes.set_column(changes.column_names.index("currency"), "currency", money)
    return _number(changes)
