"""A batch: typed tables read from one import's files, checked together before any write."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.imports import FILE, ROW, Note, RowError
from pipefit.domain.model import Category
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.segments import Segmentation
from pipefit.io.consistency import WhichStored, check_consistency
from pipefit.io.native import ENTITIES
from pipefit.io.parsing import ARROW_TYPES

__all__ = ["FILE", "ROW", "Batch", "finalize"]


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

    def add(self, entity: str, table: pa.Table) -> None:
        """Append rows of a record type (several files may hold the same type)."""
        if entity in self.tables:
            self.tables[entity] = pa.concat_tables([self.tables[entity], table])
        else:
            self.tables[entity] = table

    def counts(self) -> dict[str, int]:
        return {name: t.num_rows for name, t in self.tables.items()}

    def check(
        self,
        *,
        pipelines: Mapping[str, Pipeline],
        default_pipeline: str,
        currency: str,
        segmentation: Segmentation,
    ) -> None:
        """Fill in what the files leave implicit and check the rows (see `finalize`)."""
        finalize(
            self,
            pipelines=pipelines,
            default_pipeline=default_pipeline,
            currency=currency,
            segmentation=segmentation,
        )

    def check_consistency(
        self, *, pipelines: Mapping[str, Pipeline], stored: WhichStored, now: datetime
    ) -> None:
        """Once checked: references, close dates and event times across records and against
        the database (see `io.consistency`)."""
        check_consistency(self, pipelines=pipelines, stored=stored, now=now)


def empty_table(entity: str) -> pa.Table:
    spec = ENTITIES[entity]
    return pa.table(
        {f.name: pa.array([], ARROW_TYPES[f.type]) for f in spec.fields}
        | {ROW: pa.array([], pa.int64()), FILE: pa.array([], pa.string())}
    )


def _locate(table: pa.Table, index: int) -> tuple[str, int | None]:
    if FILE in table.column_names:
        return str(table[FILE][index].as_py()), table[ROW][index].as_py()
    return "(derived)", None


def _has_duplicates(table: pa.Table, key: list[str]) -> bool:
    """Cheap checks first: a unique single key, or a composite key in strictly rising order."""
    if len(key) == 1:
        column = table[key[0]]
        return bool(pc.count_distinct(column, mode="all").as_py() != table.num_rows)
    if len(key) == 2 and table.num_rows > 1:
        # Events usually come grouped by opportunity with rising seq: then each group is
        # one run, and there are as many runs as distinct opportunities.
        first, second = (table[k].combine_chunks() for k in key)
        a0, a1 = first[:-1], first[1:]
        same = pc.fill_null(pc.equal(a0, a1), False)
        rising = pc.fill_null(pc.less(second[:-1], second[1:]), False)
        if pc.all(pc.or_(pc.invert(same), rising)).as_py():
            runs = 1 + pc.sum(pc.invert(same)).as_py()
            if runs == pc.count_distinct(first, mode="all").as_py():
                return False
    return True


def _duplicate_keys(batch: Batch, entity: str, table: pa.Table) -> None:
    key = list(ENTITIES[entity].key)
    if table.num_rows == 0 or any(k not in table.column_names for k in key):
        return
    if not _has_duplicates(table, key):
        return
    grouped = table.select(key).group_by(key).aggregate([([], "count_all")])
    dupes = grouped.filter(pc.greater(grouped["count_all"], 1))
    if dupes.num_rows == 0:
        return
    for row in dupes.slice(0, 50).to_pylist():
        mask = None
        for k in key:
            cond = pc.equal(table[k], row[k]) if row[k] is not None else pc.is_null(table[k])
            mask = cond if mask is None else pc.and_(mask, cond)
        hits = pc.indices_nonzero(mask).to_pylist()
        file, line = _locate(table, hits[-1])
        value = "/".join(str(row[k]) for k in key)
        batch.errors.append(
            RowError(
                file,
                line,
                "/".join(key),
                value,
                f"appears {row['count_all']} times in this import; ids must be unique",
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
            rows = pc.indices_nonzero(pc.equal(encoded.indices, code)).to_pylist()
            for i in rows[:20]:
                file, line = _locate(table, i)
                batch.errors.append(RowError(file, line, stage_col, stage_name, message))
            if len(rows) > 20:
                batch.errors.append(
                    RowError(
                        str(table[FILE][0].as_py()) if FILE in table.column_names else entity,
                        None,
                        stage_col,
                        stage_name,
                        f"{message}: {len(rows) - 20} more rows like this",
                    )
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
) -> Batch:
    """Derive what the files leave implicit and check the rows against each other."""
    known = dict(pipelines) | {p.name: p for p in batch.pipelines}
    tables = batch.tables

    if "opportunities" in tables:
        opps = _fill(tables["opportunities"], "pipeline", default_pipeline)
        opps = _fill(opps, "currency", currency)
        opps = _resolve_stages(batch, "opportunities", opps, known, "stage", opps["pipeline"])
        outcome = pc.fill_null(pc.cast(opps["_stage_category"], pa.string()), str(Category.OPEN))
        opps = _set(opps, "outcome", outcome).drop_columns(["_stage_category"])
        # An open deal has no close date; CRMs export their *expected* close date there.
        early = pc.and_(pc.equal(outcome, str(Category.OPEN)), pc.is_valid(opps["closed_at"]))
        if (cleared := pc.sum(early).as_py() or 0) > 0:
            opps = _set(
                opps,
                "closed_at",
                pc.if_else(early, pa.scalar(None, opps["closed_at"].type), opps["closed_at"]),
            )
            batch.notes.append(
                f"{cleared} open opportunities had a close date; it was left out "
                "(an open deal is not closed yet)"
            )
        tables["opportunities"] = opps

    if "stage_events" in tables:
        events = tables["stage_events"]
        pipeline_of = _pipeline_of_events(events, tables.get("opportunities"), default_pipeline)
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


def _pipeline_of_events(
    events: pa.Table, opps: pa.Table | None, default_pipeline: str
) -> pa.ChunkedArray | pa.Array:
    """Each event's pipeline is its opportunity's (found by hash lookup, order kept)."""
    if opps is None or opps.num_rows == 0:
        return pa.repeat(pa.scalar(default_pipeline), events.num_rows)
    pipelines = pc.unique(opps["pipeline"])
    if len(pipelines) == 1:
        return pa.repeat(pipelines[0], events.num_rows)
    where = pc.index_in(events["opportunity_id"], value_set=opps["opportunity_id"].combine_chunks())
    return pc.fill_null(pc.take(opps["pipeline"], where), default_pipeline)


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
