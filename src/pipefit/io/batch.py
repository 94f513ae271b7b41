"""A batch: typed tables read from one import's files, checked together before any write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.imports import FILE, ROW, ImportRejected, Note, RowError
from pipefit.domain.model import Category
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.segments import Segmentation
from pipefit.io.changes import CHANGES, finish_changes
from pipefit.io.consistency import WhichStored, check_consistency
from pipefit.io.csv_files import Progress, read_text_table
from pipefit.io.native import ENTITIES, EntitySpec
from pipefit.io.parsing import ARROW_TYPES

__all__ = ["FILE", "ROW", "SPECS", "Batch", "finalize", "stamp_snapshot_time"]

# Every record type a batch may carry: the native files, and the history of amounts and
# close dates that CRM readers and snapshots produce.
SPECS: dict[str, EntitySpec] = ENTITIES | {CHANGES.name: CHANGES}

SHOWN_PLACES = 5  # places named when an id is repeated


@dataclass
class Batch:
    """What an import will write, table by table, and every problem found on the way."""

    source: str
    files: list[str] = field(default_factory=list)
    tables: dict[str, pa.Table] = field(default_factory=dict)
    pipelines: list[Pipeline] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how the files were read
    findings: list[Note] = field(default_factory=list)  # data kept that looks wrong
    # (record type, file) -> {field: the source's name for it}, for readers of other layouts
    column_names: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def name_columns(self, entity: str, file: str, names: Mapping[str, str]) -> None:
        """Say which source column feeds each field of `entity` read from `file`."""
        self.column_names.setdefault((entity, file), {}).update(names)

    def source_column(self, entity: str, file: str, name: str) -> str:
        """The source's name for a field of `entity` read from `file`: what an error about
        it names (the field's own name for files in pipefit's layout)."""
        return self.column_names.get((entity, file), {}).get(name, name)

    # When the export was taken, as far as the files tell (their modification time):
    # changes found by comparing the deals with the stored ones are recorded then.
    taken_at: datetime | None = None
    taken_from: str | None = None

    def add(self, entity: str, table: pa.Table) -> None:
        """Append rows of a record type (several files may hold the same type)."""
        if entity in self.tables:
            self.tables[entity] = pa.concat_tables([self.tables[entity], table])
        else:
            self.tables[entity] = table

    def read_csv(
        self,
        path: Path,
        progress: Progress | None = None,
        *,
        encoding: str | None = None,
        types: dict[str, pa.DataType] | None = None,
    ) -> pa.Table | None:
        """One CSV file as text columns, with the line each row starts on in ROW (see
        `csv_files.read_text_table`). A file that cannot be read adds its problems to the
        batch and gives None, so that the other files are still read and checked."""
        try:
            return read_text_table(path, progress, types, encoding=encoding, notes=self.notes)
        except ImportRejected as refused:
            self.errors.extend(refused.errors)
            return None

    def counts(self) -> dict[str, int]:
        return {name: t.num_rows for name, t in self.tables.items()}

    def check(
        self,
        *,
        pipelines: Mapping[str, Pipeline],
        default_pipeline: str,
        currency: str,
        segmentation: Segmentation,
        stored_deals: pa.Table | None = None,
    ) -> None:
        """Fill in what the files leave implicit and check the rows (see `finalize`)."""
        finalize(
            self,
            pipelines=pipelines,
            default_pipeline=default_pipeline,
            currency=currency,
            segmentation=segmentation,
            stored_deals=stored_deals,
        )

    def check_consistency(
        self, *, pipelines: Mapping[str, Pipeline], stored: WhichStored, now: datetime
    ) -> None:
        """Once checked: references, close dates and event times across records and against
        the database (see `io.consistency`)."""
        check_consistency(self, pipelines=pipelines, stored=stored, now=now)


def empty_table(entity: str) -> pa.Table:
    spec = SPECS[entity]
    return pa.table(
        {f.name: pa.array([], ARROW_TYPES[f.type]) for f in spec.fields}
        | {ROW: pa.array([], pa.int64()), FILE: pa.array([], pa.string())}
    )


def _places(table: pa.Table, indices: pa.Array | list[int]) -> list[tuple[str, int | None]]:
    """The file and line of each of these rows (taken set-at-a-time)."""
    if FILE not in table.column_names:
        return [("(derived)", None)] * len(indices)
    picked = table.select([FILE, ROW]).take(indices)
    return list(zip(picked[FILE].to_pylist(), picked[ROW].to_pylist(), strict=True))


def _has_duplicates(table: pa.Table, key: list[str]) -> bool:
    """Cheap checks first: a unique single key, or a composite key in strictly rising order.

    No Python objects and, for keys in rising order (as exports usually come), no hashing
    of millions of strings: a strictly rising column holds no value twice."""
    if len(key) == 1:
        return not _all_distinct(table[key[0]].combine_chunks())
    if len(key) == 2 and table.num_rows > 1:
        # Events usually come grouped by opportunity with rising seq: then each group is
        # one run, and the key is unique when no two runs share an opportunity.
        first, second = (table[k].combine_chunks() for k in key)
        same = pc.fill_null(pc.equal(first[:-1], first[1:]), False)
        rising = pc.fill_null(pc.less(second[:-1], second[1:]), False)
        if pc.all(pc.or_(pc.invert(same), rising)).as_py():
            starts = pa.concat_arrays([pa.array([True]), pc.invert(same)])
            if _all_distinct(pc.filter(first, starts)):
                return False
    return True


def _all_distinct(column: pa.Array) -> bool:
    """No value twice (and at most one null)."""
    if len(column) < 2:
        return True
    if column.null_count == 0:
        ordered = pc.fill_null(pc.less(column[:-1], column[1:]), False)
        if pc.all(ordered).as_py():
            return True
    return len(pc.unique(column)) == len(column)


def _all_places(table: pa.Table, hits: list[int]) -> str:
    """`deals.csv row 3, deals.csv row 7`: where each row of `hits` comes from."""
    shown = [
        f"{Path(file).name} row {line}" if line is not None else Path(file).name
        for file, line in _places(table, hits[:SHOWN_PLACES])
    ]
    more = f" and {len(hits) - SHOWN_PLACES} more" if len(hits) > SHOWN_PLACES else ""
    return ", ".join(shown) + more


def _duplicate_keys(batch: Batch, entity: str, table: pa.Table) -> None:
    key = list(SPECS[entity].key)
    if table.num_rows == 0 or any(k not in table.column_names for k in key):
        return
    if not _has_duplicates(table, key):
        return
    # Every duplicated key once, at its last row: grouped set-at-a-time, not per key.
    index = "__index"
    numbered = table.select(key).append_column(index, pa.array(range(table.num_rows), pa.int64()))
    grouped = numbered.group_by(key, use_threads=False).aggregate(
        [([], "count_all"), (index, "max")]
    )
    dupes = grouped.filter(pc.greater(grouped["count_all"], 1))
    if dupes.num_rows == 0:
        return
    dupes = dupes.sort_by(f"{index}_max")
    places = _places(table, dupes[f"{index}_max"])
    # Every row of each duplicated key, to name all the places it appears.
    lists = (
        numbered.join(dupes.select(key), keys=key, join_type="inner", use_threads=False)
        .group_by(key, use_threads=False)
        .aggregate([(index, "list")])
    )
    rows_of = {tuple(r[k] for k in key): sorted(r[f"{index}_list"]) for r in lists.to_pylist()}
    for row, (file, line) in zip(dupes.to_pylist(), places, strict=True):
        value = "/".join(str(row[k]) for k in key)
        hits = rows_of[tuple(row[k] for k in key)]
        batch.errors.append(
            RowError(
                file,
                line,
                "/".join(batch.source_column(entity, file, k) for k in key),
                value,
                f"appears {row['count_all']} times in this import ({_all_places(table, hits)}); "
                "ids must be unique",
            )
        )


def _set(table: pa.Table, name: str, column: pa.Array | pa.ChunkedArray) -> pa.Table:
    if name in table.column_names:
        return table.set_column(table.column_names.index(name), name, column)
    return table.append_column(name, column)


def _fill(table: pa.Table, name: str, value: str) -> pa.Table:
    return _set(table, name, pc.fill_null(table[name], value))


def _resolve_stages(
    batch: Batch,
    entity: str,
    table: pa.Table,
    pipelines: Mapping[str, Pipeline],
    stage_col: str,
    pipeline_of: pa.Array | pa.ChunkedArray,
) -> pa.Table:
    """Match stage names (case-insensitively) to the pipeline's spelling and category.

    Works on the few distinct (pipeline, stage) pairs, not on every row: a million
    events name perhaps ten stages.
    """
    by_name = {p.name.casefold(): p for p in pipelines.values()}
    distinct = pc.unique(pipeline_of)
    if len(distinct) == 1:
        # One pipeline (the usual case): encode the stage names alone.
        prefix = f"{distinct[0].as_py()}\x1f"
        stage_codes = pc.dictionary_encode(table[stage_col]).combine_chunks()
        encoded = pa.DictionaryArray.from_arrays(
            stage_codes.indices,
            pc.binary_join_element_wise(prefix, stage_codes.dictionary, ""),
        )
    else:
        pair = pc.binary_join_element_wise(
            pc.cast(pipeline_of, pa.string()), table[stage_col], "\x1f"
        )
        encoded = pc.dictionary_encode(pair).combine_chunks()
    spelled: list[str | None] = []
    category: list[str | None] = []
    for text in encoded.dictionary.to_pylist():
        pipe_name, _, stage_name = text.partition("\x1f")
        pipeline = by_name.get(pipe_name.strip().casefold())
        stage = None
        if pipeline is not None:
            wanted = stage_name.strip().casefold()
            stage = next((s for s in pipeline.stages if s.name.casefold() == wanted), None)
        spelled.append(stage.name if stage else None)
        category.append(str(stage.category) if stage else None)
        if stage is None:
            message = (
                f"is not a stage of pipeline '{pipeline.name}' "
                f"({', '.join(s.name for s in pipeline.stages)})"
                if pipeline
                else f"belongs to an unknown pipeline '{pipe_name}'"
            )
            code = len(spelled) - 1
            rows = pc.indices_nonzero(pc.equal(encoded.indices, code))
            batch.errors.extend(
                RowError(
                    file, line, batch.source_column(entity, file, stage_col), stage_name, message
                )
                for file, line in _places(table, rows)
            )
    if any(
        spelled_name is not None and spelled_name != text.partition("\x1f")[2]
        for spelled_name, text in zip(spelled, encoded.dictionary.to_pylist(), strict=True)
    ):
        names = pc.take(pa.array(spelled, pa.string()), encoded.indices)
        table = _set(table, stage_col, pc.coalesce(names, table[stage_col]))
    categories = pa.DictionaryArray.from_arrays(encoded.indices, pa.array(category, pa.string()))
    return table.append_column(f"_{stage_col}_category", categories)


def finalize(
    batch: Batch,
    *,
    pipelines: Mapping[str, Pipeline],
    default_pipeline: str,
    currency: str,
    segmentation: Segmentation,
    stored_deals: pa.Table | None = None,
) -> Batch:
    """Derive what the files leave implicit and check the rows against each other.

    `stored_deals` (opportunity_id, pipeline, currency) are the deals already in the
    database that rows of this batch refer to: an incremental history file is read
    against each deal's own pipeline and currency."""
    known = dict(pipelines) | {p.name: p for p in batch.pipelines}
    tables = batch.tables

    if "opportunities" in tables:
        opps = _fill(tables["opportunities"], "pipeline", default_pipeline)
        opps = _fill(opps, "currency", currency)
        opps = _resolve_stages(batch, "opportunities", opps, known, "stage", opps["pipeline"])
        outcome = pc.fill_null(pc.cast(opps["_stage_category"], pa.string()), str(Category.OPEN))
        opps = _set(opps, "outcome", outcome).drop_columns(["_stage_category"])
        opps = _expected_close(batch, opps, outcome)
        tables["opportunities"] = opps

    if "stage_events" in tables:
        events = tables["stage_events"]
        pipeline_of = _pipeline_of_events(
            events, tables.get("opportunities"), default_pipeline, stored_deals
        )
        events = _resolve_stages(batch, "stage_events", events, known, "to_stage", pipeline_of)
        events = events.drop_columns(["_to_stage_category"])
        if pc.any(pc.is_valid(events["from_stage"])).as_py():
            events = _resolve_stages(
                batch, "stage_events", events, known, "from_stage", pipeline_of
            ).drop_columns(["_from_stage_category"])
        events = (
            _fill(events, "source", batch.source) if "source" in events.column_names else events
        )
        tables["stage_events"] = _number_events(events)

    if CHANGES.name in tables:
        deals = [t for t in (tables.get("opportunities"), stored_deals) if t is not None]
        tables[CHANGES.name] = finish_changes(tables[CHANGES.name], deals, currency)

    if "accounts" in tables:
        accounts = tables["accounts"]
        tables["accounts"] = _set(
            accounts, "segment", _segments(accounts["employees"], segmentation)
        )

    for entity in ("people", "quotas"):
        if entity in tables:
            tables[entity] = _fill(tables[entity], "currency", currency)
    if "quotas" in tables:
        tables["quotas"] = _fill(tables["quotas"], "owner_kind", "person")
    if "leads" in tables:
        tables["leads"] = _fill(tables["leads"], "status", "new")
    for entity in ("contacts",):
        if entity in tables:
            for flag in ("is_executive", "is_decision_maker", "on_buying_committee", "former_user"):
                tables[entity] = _set(
                    tables[entity], flag, pc.fill_null(tables[entity][flag], False)
                )
    # Last, once derived keys (event seq, quota owner kind) are filled in.
    for entity, table in tables.items():
        _duplicate_keys(batch, entity, table)
    return batch


def _expected_close(batch: Batch, opps: pa.Table, outcome: pa.ChunkedArray) -> pa.Table:
    """An open deal is not closed yet: the close date a CRM exports for it is the date it
    is *expected* to close, kept as `expected_close` (unless the row gives one itself)."""
    if "expected_close" not in opps.column_names:
        opps = opps.append_column("expected_close", pa.nulls(opps.num_rows, opps["closed_at"].type))
    early = pc.and_(pc.equal(outcome, str(Category.OPEN)), pc.is_valid(opps["closed_at"]))
    moved = pc.sum(early).as_py() or 0
    if moved == 0:
        return opps
    expected = pc.if_else(
        early, pc.coalesce(opps["expected_close"], opps["closed_at"]), opps["expected_close"]
    )
    opps = _set(opps, "expected_close", pc.cast(expected, opps["closed_at"].type))
    opps = _set(
        opps,
        "closed_at",
        pc.if_else(early, pa.scalar(None, opps["closed_at"].type), opps["closed_at"]),
    )
    batch.notes.append(
        f"{moved} open opportunities had a close date: kept as their expected close date "
        "(an open deal is not closed yet)"
    )
    return opps


def _pipeline_of_events(
    events: pa.Table, opps: pa.Table | None, default_pipeline: str, stored: pa.Table | None
) -> pa.ChunkedArray | pa.Array:
    """Each event's pipeline is its opportunity's, in this batch or else in the database
    (found by hash lookup, order kept); the default one for a deal found in neither."""
    known = [
        t.select(["opportunity_id", "pipeline"]).cast(
            pa.schema([("opportunity_id", pa.string()), ("pipeline", pa.string())])
        )
        for t in (opps, stored)
        if t is not None and t.num_rows
    ]
    if not known:
        return pa.repeat(pa.scalar(default_pipeline), events.num_rows)
    if len(known) == 2:
        # The batch's deals win over their stored selves (a deal may change pipeline).
        fresh = pc.invert(pc.is_in(known[1]["opportunity_id"], value_set=_flat(known[0])))
        known[1] = known[1].filter(fresh)
    lookup = pa.concat_tables(known)
    pipelines = pc.unique(lookup["pipeline"])
    ids = lookup["opportunity_id"].combine_chunks()
    if len(pipelines) == 1:
        everywhere = pa.repeat(pipelines[0], events.num_rows)
        if stored is None or stored.num_rows == 0:
            # The usual first import: the batch's one pipeline. Events of deals found
            # nowhere are refused as such later, whatever pipeline they were read against.
            return everywhere
        found = pc.is_in(events["opportunity_id"], value_set=ids)
        return pc.if_else(found, everywhere, pa.scalar(default_pipeline))
    where = pc.index_in(events["opportunity_id"], value_set=ids)
    return pc.fill_null(pc.take(lookup["pipeline"], where), default_pipeline)


def _flat(table: pa.Table) -> pa.Array:
    return table["opportunity_id"].combine_chunks()


def stamp_snapshot_time(batch: Batch) -> None:
    """Date the export by its deal files' modification time (the latest of them), or now
    when that is in the future; `taken_from` says which. A time the source declared (a
    mapping's `snapshot_at`) stands."""
    if batch.taken_at is not None:
        return
    opps = batch.tables.get("opportunities")
    if opps is None or opps.num_rows == 0 or FILE not in opps.column_names:
        return
    now = datetime.now(UTC)
    stamps = []
    for name in pc.unique(opps[FILE]).to_pylist():
        path = Path(str(name))
        if path.is_file():
            stamps.append((datetime.fromtimestamp(path.stat().st_mtime, UTC), path.name))
    if not stamps:
        batch.taken_at, batch.taken_from = now, "the time of the import"
        return
    at, name = max(stamps)
    if at > now:
        batch.taken_at, batch.taken_from = now, f"now: {name} is dated in the future"
        return
    batch.taken_at, batch.taken_from = at, f"the modification time of {name}"


def _number_events(events: pa.Table) -> pa.Table:
    """Give events without `seq` their place in time order within their opportunity."""
    if events.num_rows == 0 or pc.all(pc.is_valid(events["seq"])).as_py():
        return events
    order = pc.sort_indices(
        events, sort_keys=[("opportunity_id", "ascending"), ("at", "ascending"), (ROW, "ascending")]
    )
    ordered = events.take(order)
    ids = ordered["opportunity_id"].combine_chunks()
    # A new opportunity starts wherever the id differs from the previous row's.
    starts = pc.not_equal(ids[1:], ids[:-1]) if len(ids) > 1 else pa.array([], pa.bool_())
    flags = pa.concat_arrays([pa.array([True]), starts.cast(pa.bool_())])
    positions = pa.array(range(len(ids)), pa.int64())
    start_pos = pc.if_else(flags, positions, pa.scalar(None, pa.int64()))
    filled = pc.fill_null_forward(start_pos)
    seq = pc.add(pc.subtract(positions, filled), 1)
    return _set(ordered, "seq", pc.coalesce(ordered["seq"], seq))


def _segments(employees: pa.ChunkedArray | pa.Array, segmentation: Segmentation) -> pa.Array:
    result = pa.array([segmentation.unknown] * len(employees), pa.string())
    for rule in segmentation.rules:
        reached = pc.fill_null(pc.greater_equal(employees, rule.min_employees), False)
        result = pc.if_else(reached, rule.name, result)
    return result
