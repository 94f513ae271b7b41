"""What an import does to the history already stored: the rule for importing again.

- **Stage history.** For a deal whose history is stored, the import's events are matched
  to the stored ones by time, stage and sub-state. An export whose history starts with
  the stored one (or holds only what came after it, as an incremental export does)
  extends it: only the events after the last stored one are added, numbered after it.
  An event the stored history lacks, dated at or before the last stored event (another
  stage at the same time, or a move the stored history never had), contradicts it: the
  import is refused, naming each such deal.
- **Snapshots.** A deal whose stage, amount or close date differs from the stored one,
  and whose change the import's own history does not record, changed between two exports:
  a stage change becomes a stage event (source `snapshot`) and an amount or close-date
  change a row of the history of amounts and close dates, at the time the export was
  taken. An export dated before the deal's last recorded change is refused for that deal:
  it would put an older state over a newer one.
- **Source pipelines.** A source pipeline imported again keeps the stages stored before,
  in their order; stages new to it are placed after the stage that precedes them in the
  export.

Set-at-a-time over Arrow tables (a re-import may hold a million deals): Python loops only
over refused deals, to describe them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.changes import ChangedField
from pipefit.domain.imports import FILE, ROW, RowError
from pipefit.domain.pipeline import Pipeline, Stage
from pipefit.services.ports.imports import Batch

__all__ = [
    "CHANGES",
    "SNAPSHOT",
    "STORED_DEAL_COLUMNS",
    "STORED_EVENT_COLUMNS",
    "merge_history",
    "merge_source_pipelines",
    "record_snapshot",
]

CHANGES = "opportunity_changes"
SNAPSHOT = "snapshot"  # the source of changes found by comparing an export with the store
SHOWN = 200  # refused deals named one by one
TIME = pa.timestamp("us", tz="UTC")
STORED_DEAL_COLUMNS = (
    "opportunity_id",
    "pipeline",
    "stage",
    "amount",
    "currency",
    "closed_at",
    "last_seq",
    "last_at",
    "last_change_at",
)
STORED_EVENT_COLUMNS = ("opportunity_id", "seq", "to_stage", "substate", "at")
EVENTS_SCHEMA = pa.schema(
    [
        ("opportunity_id", pa.string()),
        ("seq", pa.int64()),
        ("from_stage", pa.string()),
        ("to_stage", pa.string()),
        ("substate", pa.string()),
        ("at", TIME),
        ("actor_id", pa.string()),
        ("reason", pa.string()),
        ("source", pa.string()),
        (ROW, pa.int64()),
        (FILE, pa.string()),
    ]
)
CHANGES_SCHEMA = pa.schema(
    [
        ("opportunity_id", pa.string()),
        ("field", pa.string()),
        ("at", TIME),
        ("ordinal", pa.int64()),
        ("old_amount", pa.decimal128(18, 4)),
        ("new_amount", pa.decimal128(18, 4)),
        ("old_close_date", TIME),
        ("new_close_date", TIME),
        ("currency", pa.string()),
        ("source", pa.string()),
        (ROW, pa.int64()),
        (FILE, pa.string()),
    ]
)


def _flat(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _set(table: pa.Table, name: str, column: pa.Array | pa.ChunkedArray) -> pa.Table:
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, column)
    return table.append_column(name, column)


def _starts(ids: pa.Array) -> pa.Array:
    """True on the first row of each run of equal ids."""
    if len(ids) == 0:
        return pa.array([], pa.bool_())
    differs = pc.fill_null(pc.not_equal(ids[1:], ids[:-1]), True)
    return pa.concat_arrays([pa.array([True]), differs])


def _rank(starts: pa.Array) -> pa.Array:
    """1, 2, ... within each run that `starts` opens."""
    positions = pa.array(range(len(starts)), pa.int64())
    first = pc.fill_null_forward(pc.if_else(starts, positions, pa.scalar(None, pa.int64())))
    return pc.add(pc.subtract(positions, first), 1)


def _when(value: datetime | None) -> str:
    if value is None:
        return "?"
    return value.strftime("%Y-%m-%d %H:%M") if value.hour or value.minute else f"{value:%Y-%m-%d}"


# --- source pipelines ------------------------------------------------------------------


def merge_source_pipelines(
    brought: Sequence[Pipeline], stored: dict[str, Pipeline]
) -> list[Pipeline]:
    """Each pipeline a source brings, merged into its stored self: stored stages keep
    their order (their stage names and categories too); a new stage goes after the stage
    that precedes it in the export (first, if none of those is stored)."""
    merged = []
    for pipeline in brought:
        before = stored.get(pipeline.name)
        if before is None:
            merged.append(pipeline)
            continue
        stages = list(before.stages)
        known = {s.name.casefold() for s in stages}
        for i, stage in enumerate(pipeline.stages):
            if stage.name.casefold() in known:
                continue
            at = 0
            for earlier in reversed(pipeline.stages[:i]):
                found = [
                    k for k, s in enumerate(stages) if s.name.casefold() == earlier.name.casefold()
                ]
                if found:
                    at = found[0] + 1
                    break
            stages.insert(at, Stage(stage.name, stage.category))
            known.add(stage.name.casefold())
        merged.append(Pipeline(pipeline.name, tuple(stages), origin=pipeline.origin))
    return merged


# --- extending the stored stage history ------------------------------------------------


def _match_keys(table: pa.Table) -> pa.Array:
    """One text key per event: deal, time, stage, sub-state and n, where n counts equal
    events (1 but where an export repeats an event), so that matching is one to one."""
    at = pc.cast(pc.cast(table["at"], TIME), pa.int64())
    parts = [
        table["opportunity_id"],
        pc.cast(at, pa.string()),
        table["to_stage"],
        pc.fill_null(pc.cast(table["substate"], pa.string()), ""),
    ]
    key = _flat(pc.binary_join_element_wise(*parts, "\x1f"))
    if len(pc.dictionary_encode(key).dictionary) == len(key):  # quicker than count_distinct
        return pc.binary_join_element_wise(key, "1", "\x1f")
    order = pc.sort_indices(key)  # stable: equal events keep their order
    ordered = key.take(order)
    n = _rank(_starts(ordered))
    numbered = pc.binary_join_element_wise(ordered, pc.cast(n, pa.string()), "\x1f")
    back = pc.sort_indices(order)  # the inverse permutation
    return numbered.take(back)


def _last_stored(stored: pa.Table) -> pa.Table:
    """Per deal: the last stored event's seq, time, stage and sub-state (`stored` holds
    each deal's events together, in seq order)."""
    ids = _flat(stored["opportunity_id"])
    ends = pa.concat_arrays([pc.fill_null(pc.not_equal(ids[1:], ids[:-1]), True), pa.array([True])])
    last = stored.filter(ends)
    return pa.table(
        {
            "opportunity_id": last["opportunity_id"],
            "_last_seq": pc.cast(last["seq"], pa.int64()),
            "_last_at": pc.cast(last["at"], TIME),
            "_last_stage": last["to_stage"],
            "_last_substate": pc.fill_null(pc.cast(last["substate"], pa.string()), ""),
        }
    )


def _same_seq(ours: pa.Table, stored: pa.Table) -> pa.Array:
    """The stored seq of each event that the stored history holds under the same seq with
    the same time, stage and sub-state (a full export given again numbers its events as
    before): null elsewhere. Integer keys, so that a million deals stay cheap."""
    both = pa.chunked_array(
        [
            pc.cast(_flat(ours["opportunity_id"]), pa.string()),
            pc.cast(_flat(stored["opportunity_id"]), pa.string()),
        ]
    )
    codes = pc.cast(_flat(pc.dictionary_encode(both)).indices, pa.int64())
    mine, theirs = codes[: ours.num_rows], codes[ours.num_rows :]

    def key(code: pa.Array, seq: pa.ChunkedArray) -> pa.Array:
        return pc.add(pc.multiply(code, 1 << 32), pc.cast(seq, pa.int64()))

    where = pc.index_in(key(mine, ours["seq"]), value_set=key(theirs, stored["seq"]))
    same = pc.and_(
        pc.equal(pc.cast(ours["at"], TIME), pc.take(pc.cast(stored["at"], TIME), where)),
        pc.equal(ours["to_stage"], pc.take(stored["to_stage"], where)),
    )
    mine_sub = pc.fill_null(pc.cast(ours["substate"], pa.string()), "")
    their_sub = pc.fill_null(pc.cast(stored["substate"], pa.string()), "")
    same = pc.fill_null(pc.and_(same, pc.equal(mine_sub, pc.take(their_sub, where))), False)
    seq = pc.cast(ours["seq"], pa.int64())
    return pc.if_else(same, seq, pa.scalar(None, pa.int64()))


def _stored_seq(events: pa.Table, stored: pa.Table, has_history: pa.Array) -> pa.Array:
    """Each event's seq in the stored history, null for an event it does not hold
    (and for every event of a deal without stored history)."""
    aligned = _same_seq(events, stored)
    pending = pc.unique(
        pc.filter(events["opportunity_id"], pc.and_(has_history, pc.is_null(aligned)))
    )
    if len(pending) == 0:
        return aligned
    # Deals numbered otherwise (an incremental export, a history with moves from other
    # sources): match by time, stage and sub-state.
    mine = pc.is_in(events["opportunity_id"], value_set=pending)
    theirs = stored.filter(pc.is_in(stored["opportunity_id"], value_set=pending))
    subset = events.filter(mine)
    where = pc.index_in(_match_keys(subset), value_set=_match_keys(theirs))
    found = pc.take(pc.cast(theirs["seq"], pa.int64()), where)
    # Back to every event's place: the k-th row of `subset` is the k-th row `mine` picks.
    rank = pc.subtract(pc.cumulative_sum(pc.cast(mine, pa.int64())), 1)
    scattered = pc.take(found, pc.if_else(mine, rank, 0))
    return pc.if_else(mine, scattered, aligned)


def _refuse_contradictions(batch: Batch, rows: pa.Table, contradicts: pa.Array) -> None:
    bad = rows.filter(contradicts)
    bad = bad.take(pc.sort_indices(bad, [("opportunity_id", "ascending"), ("at", "ascending")]))
    first = bad.filter(_starts(_flat(bad["opportunity_id"])))
    for row in first.slice(0, SHOWN).to_pylist():
        batch.errors.append(
            RowError(
                row[FILE],
                row[ROW],
                "opportunity_id",
                row["opportunity_id"],
                f"its stage history contradicts the stored one: '{row['to_stage']}' at "
                f"{_when(row['at'])} is not in it, and the stored history runs to "
                f"{_when(row['_last_at'])}; an export may add moves after the last stored "
                "one, never change or insert earlier ones",
            )
        )
    if first.num_rows > SHOWN:
        batch.errors.append(
            RowError(
                str(first[FILE][SHOWN].as_py()),
                None,
                "opportunity_id",
                None,
                f"{first.num_rows - SHOWN} more opportunities whose stage history "
                "contradicts the stored one",
            )
        )


def merge_history(batch: Batch, stored: pa.Table) -> pa.Array:
    """Match the batch's stage events to the stored history of their deals (`stored`:
    STORED_EVENT_COLUMNS), refuse contradictions, and number the new events after the
    stored ones. Returns the ids of the deals the batch brings new events for.

    Only deals whose events are not all stored under the same seq are rewritten: a full
    export given again (the usual re-import, a million deals) leaves the batch as it is."""
    events = batch.tables.get("stage_events")
    if events is None or events.num_rows == 0:
        return pa.array([], pa.string())
    ids = events["opportunity_id"]
    if stored.num_rows == 0:
        return pc.unique(_flat(ids))
    has_history = pc.is_in(ids, value_set=pc.unique(_flat(stored["opportunity_id"])))
    stored_seq = _stored_seq(events, stored, has_history)
    same = pc.fill_null(pc.equal(stored_seq, pc.cast(events["seq"], pa.int64())), False)
    touched = pc.unique(pc.filter(ids, pc.and_(has_history, pc.invert(same))))
    fresh = pc.unique(pc.filter(ids, pc.invert(has_history)))
    if len(touched) == 0:
        return fresh
    mine = pc.is_in(ids, value_set=touched)
    rows = events.filter(mine).append_column("_stored_seq", pc.filter(stored_seq, mine))
    last = _last_stored(stored)
    deal = pc.index_in(rows["opportunity_id"], value_set=_flat(last["opportunity_id"]))
    for name in ("_last_seq", "_last_at", "_last_stage", "_last_substate"):
        rows = rows.append_column(name, pc.take(last[name], deal))
    unknown = pc.is_null(rows["_stored_seq"])
    contradicts = pc.and_(unknown, pc.less_equal(pc.cast(rows["at"], TIME), rows["_last_at"]))
    if pc.any(contradicts).as_py():
        _refuse_contradictions(batch, rows, contradicts)
        return pa.array([], pa.string())
    known = rows.filter(pc.invert(unknown))
    known = _set(known, "seq", pc.cast(known["_stored_seq"], events.schema.field("seq").type))
    added = _number_after_stored(batch, rows.filter(unknown), events.schema)
    batch.tables["stage_events"] = pa.concat_tables(
        [
            events.filter(pc.invert(mine)),
            known.select(events.column_names),
            added.select(events.column_names),
        ]
    )
    return pc.unique(pa.concat_arrays([fresh, _flat(added["opportunity_id"])]))


def _number_after_stored(batch: Batch, new: pa.Table, schema: pa.Schema) -> pa.Table:
    """New events of deals with a stored history: in time order after the last stored
    one, each from the stage before it. A first new event that enters the stage (and
    sub-state) the deal is already in is no move: it is left out, with a note."""
    if new.num_rows == 0:
        return new
    order = [(k, "ascending") for k in ("opportunity_id", "at", "seq", FILE, ROW)]
    new = new.take(pc.sort_indices(new, order))
    starts = _starts(_flat(new["opportunity_id"]))
    same_stage = pc.equal(new["to_stage"], new["_last_stage"])
    same_sub = pc.equal(
        pc.fill_null(pc.cast(new["substate"], pa.string()), ""), new["_last_substate"]
    )
    repeat = pc.fill_null(pc.and_(starts, pc.and_(same_stage, same_sub)), False)
    if (repeats := int(pc.sum(pc.cast(repeat, pa.int64())).as_py() or 0)) > 0:
        batch.notes.append(
            f"{repeats} opportunities: the first history row since the last import enters "
            "the stage the deal was already in, so it is no stage move and was not added"
        )
        new = new.filter(pc.invert(repeat))
        starts = _starts(_flat(new["opportunity_id"]))
    if new.num_rows == 0:
        return new
    flat_stage = _flat(new["to_stage"])
    previous = pa.concat_arrays([pa.nulls(1, flat_stage.type), flat_stage[:-1]])
    before = pc.if_else(starts, new["_last_stage"], previous)
    seq = pc.add(new["_last_seq"], _rank(starts))
    new = _set(new, "seq", pc.cast(seq, schema.field("seq").type))
    return _set(new, "from_stage", pc.coalesce(new["from_stage"], before))


# --- snapshots -------------------------------------------------------------------------


def _ids_with(table: pa.Table | None, field: str | None = None) -> pa.Array:
    if table is None or table.num_rows == 0:
        return pa.array([], pa.string())
    if field is not None:
        table = table.filter(pc.equal(table["field"], field))
    return pc.unique(_flat(table["opportunity_id"]))


def _distinct(a: pa.Array | pa.ChunkedArray, b: pa.Array | pa.ChunkedArray) -> pa.Array:
    return pc.fill_null(pc.not_equal(a, b), pc.xor(pc.is_null(a), pc.is_null(b)))


def _with_source(table: pa.Table, source: str) -> pa.Table:
    if "source" in table.column_names:
        return _set(table, "source", pc.fill_null(table["source"], source))
    return table.append_column("source", pa.repeat(pa.scalar(source), table.num_rows))


def record_snapshot(
    batch: Batch, stored: pa.Table, with_events: pa.Array, at: datetime, taken: str
) -> None:
    """Record what changed on stored deals since they were stored (see the module's rule).

    `stored` holds STORED_DEAL_COLUMNS; `with_events` the deals whose history this batch
    extends (their stage change is in that history); `at` is when the export was taken,
    `taken` says how that is known."""
    opps = batch.tables.get("opportunities")
    if opps is None or opps.num_rows == 0 or stored.num_rows == 0:
        return
    mine = opps.select(
        ["opportunity_id", "stage", "substate", "amount", "currency", "closed_at", ROW, FILE]
    )
    if "expected_close" in opps.column_names:
        # A deal's close date is the one it closed on, else the one expected (as the
        # stored side gives it): an open deal whose expected close moved has changed.
        index = mine.column_names.index("closed_at")
        closes = pc.coalesce(opps["closed_at"], pc.cast(opps["expected_close"], TIME))
        mine = mine.set_column(index, "closed_at", closes)
    # Each deal of the batch beside its stored self (a hash lookup keeps the file order).
    where = pc.index_in(mine["opportunity_id"], value_set=_flat(stored["opportunity_id"]))
    found = pc.is_valid(where)
    if not pc.any(found).as_py():
        return
    both = mine.filter(found)
    where = pc.filter(where, found)
    for column in STORED_DEAL_COLUMNS[1:]:
        both = both.append_column(f"_s_{column}", pc.take(stored[column], where))
    changes = batch.tables.get(CHANGES)
    moved = pc.and_(
        _distinct(both["stage"], both["_s_stage"]),
        pc.invert(pc.is_in(both["opportunity_id"], value_set=with_events)),
    )
    amount = pc.and_(
        _distinct(
            pc.cast(both["amount"], pa.decimal128(18, 4)),
            pc.cast(both["_s_amount"], pa.decimal128(18, 4)),
        ),
        pc.invert(
            pc.is_in(both["opportunity_id"], value_set=_ids_with(changes, str(ChangedField.AMOUNT)))
        ),
    )
    close = pc.and_(
        _distinct(pc.cast(both["closed_at"], TIME), pc.cast(both["_s_closed_at"], TIME)),
        pc.invert(
            pc.is_in(
                both["opportunity_id"], value_set=_ids_with(changes, str(ChangedField.CLOSE_DATE))
            )
        ),
    )
    changed = pc.or_(moved, pc.or_(amount, close))
    if not pc.any(changed).as_py():
        return
    when = pa.scalar(at, TIME)
    events_at = pc.cast(both["_s_last_at"], TIME)
    changed_at = pc.cast(both["_s_last_change_at"], TIME)
    later = pc.if_else(pc.greater(changed_at, events_at), changed_at, events_at)
    last = pc.coalesce(later, events_at, changed_at)
    older = pc.fill_null(pc.and_(changed, pc.less(when, last)), False)
    if pc.any(older).as_py():
        _refuse_older(batch, both.append_column("_last", last).filter(older), at, taken)
        return
    _add_snapshot_events(batch, both.filter(moved), when)
    _add_snapshot_changes(batch, both, amount, close, when)
    done = [
        _plural(
            _count(moved), f"stage move (source {SNAPSHOT})", f"stage moves (source {SNAPSHOT})"
        ),
        _plural(_count(amount), "amount change", "amount changes"),
        _plural(_count(close), "close-date change", "close-date changes"),
    ]
    hint = (
        "" if taken == "declared" else "; declare when the export was taken to date them otherwise"
    )
    batch.notes.append(
        f"Changed since the last import, recorded at {_when(at)} ({taken}): "
        f"{', '.join(d for d in done if d)}{hint}"
    )


def _plural(count: int, one: str, many: str) -> str:
    return "" if count == 0 else f"{count} {one if count == 1 else many}"


def _count(mask: pa.Array | pa.ChunkedArray) -> int:
    return int(pc.sum(pc.cast(pc.fill_null(mask, False), pa.int64())).as_py() or 0)


def _refuse_older(batch: Batch, rows: pa.Table, at: datetime, taken: str) -> None:
    for row in rows.slice(0, SHOWN).to_pylist():
        batch.errors.append(
            RowError(
                row[FILE],
                row[ROW],
                "opportunity_id",
                row["opportunity_id"],
                f"differs from the stored deal, but the export is dated {_when(at)} ({taken}), "
                f"before the deal's last recorded change ({_when(row['_last'])}): an older "
                "export may not overwrite a newer state; declare when the export was taken",
            )
        )
    if rows.num_rows > SHOWN:
        batch.errors.append(
            RowError(
                str(rows[FILE][SHOWN].as_py()),
                None,
                "opportunity_id",
                None,
                f"{rows.num_rows - SHOWN} more deals changed in an export older than their "
                "stored history",
            )
        )


def _add_snapshot_events(batch: Batch, moved: pa.Table, when: pa.Scalar) -> None:
    if moved.num_rows == 0:
        return
    events = batch.tables.get("stage_events")
    seq = pc.add(pc.fill_null(pc.cast(moved["_s_last_seq"], pa.int64()), 0), 1)
    columns = {
        "opportunity_id": moved["opportunity_id"],
        "seq": seq,
        "from_stage": moved["_s_stage"],
        "to_stage": moved["stage"],
        "substate": moved["substate"],
        "at": pa.repeat(when, moved.num_rows),
        "source": pa.repeat(pa.scalar(SNAPSHOT), moved.num_rows),
        ROW: moved[ROW],
        FILE: moved[FILE],
    }
    schema = EVENTS_SCHEMA if events is None else _with_source(events, batch.source).schema
    added = pa.table(
        {
            name: pc.cast(columns[name], kind)
            if name in columns
            else pa.nulls(moved.num_rows, kind)
            for name, kind in zip(schema.names, schema.types, strict=True)
        }
    )
    if events is None:
        batch.tables["stage_events"] = added
        return
    events = _with_source(events, batch.source)
    batch.tables["stage_events"] = pa.concat_tables([events, added])


def _add_snapshot_changes(
    batch: Batch, both: pa.Table, amount: pa.Array, close: pa.Array, when: pa.Scalar
) -> None:
    parts = []
    for mask, field, old, new in (
        (amount, ChangedField.AMOUNT, "old_amount", "new_amount"),
        (close, ChangedField.CLOSE_DATE, "old_close_date", "new_close_date"),
    ):
        rows = both.filter(mask)
        if rows.num_rows == 0:
            continue
        value = "amount" if field is ChangedField.AMOUNT else "closed_at"
        parts.append(
            {
                "opportunity_id": rows["opportunity_id"],
                "field": pa.repeat(pa.scalar(str(field)), rows.num_rows),
                "at": pa.repeat(when, rows.num_rows),
                "ordinal": pa.repeat(pa.scalar(1, pa.int64()), rows.num_rows),
                old: rows[f"_s_{value}"],
                new: rows[value],
                "currency": rows["currency"]
                if field is ChangedField.AMOUNT
                else pa.nulls(rows.num_rows, pa.string()),
                "source": pa.repeat(pa.scalar(SNAPSHOT), rows.num_rows),
                ROW: rows[ROW],
                FILE: rows[FILE],
            }
        )
    if not parts:
        return
    existing = batch.tables.get(CHANGES)
    schema = CHANGES_SCHEMA
    tables = [
        pa.table(
            {
                name: pc.cast(part[name], kind) if name in part else pa.nulls(len(part[ROW]), kind)
                for name, kind in zip(schema.names, schema.types, strict=True)
            }
        )
        for part in parts
    ]
    if existing is not None:
        tables.insert(0, _with_source(existing, batch.source).select(schema.names).cast(schema))
    batch.tables[CHANGES] = pa.concat_tables(tables)
