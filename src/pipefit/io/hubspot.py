"""HubSpot's deals export: one row per deal; `Date entered "<stage> (<pipeline>)"` columns
carry the stage history (one stage event per non-empty cell).

Each HubSpot pipeline named in those columns becomes a source pipeline with its stages in
column order ("Closed Won" is won, "Closed Lost" lost, the rest open). `Date exited` and
`Cumulative time in` columns follow from the entries and are not read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.model import Category
from pipefit.domain.pipeline import Pipeline, Stage
from pipefit.io.batch import ROW, Batch
from pipefit.io.csv_files import Progress
from pipefit.io.errors import RowError
from pipefit.io.native import ENTITIES
from pipefit.io.numbers import NumberFormat
from pipefit.io.references import stand_ins
from pipefit.io.source_columns import (
    build_table,
    count_true,
    detect_date_format,
    first_of_each,
    human_format,
    line_numbers,
    sequence_events,
    slugs,
    text_column,
)

__all__ = ["read_hubspot"]

ENTERED = re.compile(r'^Date entered "(?P<stage>.+) \((?P<pipeline>.+)\)"$')
# Native field -> HubSpot deals-export column.
DEALS = {
    "opportunity_id": "Record ID",
    "name": "Deal Name",
    "pipeline": "Pipeline",
    "stage": "Deal Stage",
    "amount": "Amount",
    "created_at": "Create Date",
    "closed_at": "Close Date",
    "owner_id": "Deal owner",
    "account_id": "Associated Company",
    "currency": "Currency",
}
REQUIRED = ("Record ID", "Deal Stage", "Create Date")
CLOSED = {"closed won": Category.WON, "closed lost": Category.LOST}


def _stage_columns(header: Sequence[str]) -> list[tuple[str, str, str]]:
    """(column, stage, pipeline) for each `Date entered "..."` column, in column order."""
    found = []
    for column in header:
        match = ENTERED.match(column)
        if match:
            found.append((column, match["stage"].strip(), match["pipeline"].strip()))
    return found


def _pipelines(entered: Sequence[tuple[str, str, str]], deals: pa.Table) -> list[Pipeline]:
    """Stages in column order; a stage only the `Deal Stage` column names comes after
    its pipeline's open stages."""
    stages: dict[str, list[str]] = {}
    for _, stage, pipeline in entered:
        names = stages.setdefault(pipeline, [])
        if stage.casefold() not in (n.casefold() for n in names):
            names.append(stage)
    pairs = deals.select(["pipeline", "stage"]).group_by(["pipeline", "stage"]).aggregate([])
    for row in pairs.to_pylist():
        pipeline, stage = row["pipeline"], row["stage"]
        if pipeline and stage:
            names = stages.setdefault(pipeline, [])
            if stage.casefold() not in (n.casefold() for n in names):
                names.append(stage)
    return [
        Pipeline(
            name,
            tuple(Stage(n, CLOSED.get(n.casefold(), Category.OPEN)) for n in names),
            origin="hubspot",
        )
        for name, names in stages.items()
    ]


def _closed(stage: Stage) -> bool:
    """Sort key: open stages first (in column order), then the closed ones."""
    return stage.category is not Category.OPEN


def _events(
    batch: Batch,
    raw: pa.Table,
    ids: pa.Array,
    entered: Sequence[tuple[str, str, str]],
    file: str,
    fmt: str | None,
) -> pa.Table:
    """One event per filled `Date entered` cell, in time order (ties: column order)."""
    spec, rows = ENTITIES["stage_events"], line_numbers(raw)
    tables = []
    for position, (column, stage, _) in enumerate(entered):
        at = text_column(raw, column)
        filled = pc.is_valid(at)
        count = count_true(filled)
        columns = {
            "opportunity_id": ids.filter(filled),
            "at": at.filter(filled),
            "to_stage": pa.repeat(pa.scalar(stage), count),
        }
        table = build_table(
            spec,
            columns,
            rows=rows.filter(filled),
            file=file,
            errors=batch.errors,
            date_format=fmt,
            origin={"at": column, "opportunity_id": DEALS["opportunity_id"]},
        )
        tables.append(table.append_column("_column", pa.repeat(pa.scalar(position), count)))
    if not tables:
        return build_table(spec, {}, rows=pa.array([], pa.int64()), file=file, errors=[])
    events = sequence_events(pa.concat_tables(tables), ties=(ROW, "_column"))
    return events.drop_columns(["_column"])


def _read(
    batch: Batch,
    path: Path,
    raw: pa.Table,
    date_format: str | None,
    numbers: NumberFormat | None = None,
) -> None:
    file, header = str(path), raw.column_names
    missing = [c for c in REQUIRED if c not in header]
    batch.errors.extend(
        RowError(file, 1, c, None, "required column is missing from the header") for c in missing
    )
    if missing:
        return
    entered = _stage_columns(header)
    columns = {f: text_column(raw, c) for f, c in DEALS.items() if c in header}
    origin = {f: c for f, c in DEALS.items() if c in header}
    owners, companies = columns.pop("owner_id", None), columns.pop("account_id", None)
    if owners is not None:
        columns["owner_id"] = slugs(owners)
    if companies is not None:
        columns["account_id"] = slugs(companies)
    pipelines_seen = {p for _, _, p in entered}
    if len(pipelines_seen) == 1:
        only = pa.scalar(pipelines_seen.pop(), pa.string())
        current = columns.get("pipeline")
        everywhere = pa.repeat(only, raw.num_rows)
        columns["pipeline"] = everywhere if current is None else pc.fill_null(current, only)
    if date_format is None:
        dated = [columns[f] for f in ("created_at", "closed_at") if f in columns]
        date_format, how = detect_date_format(dated + [text_column(raw, c) for c, _, _ in entered])
        batch.notes.append(f"{path.name}: dates read as {how}")
    else:
        batch.notes.append(f"{path.name}: dates read as {human_format(date_format)} (declared)")
    rows = line_numbers(raw)
    deals = build_table(
        ENTITIES["opportunities"],
        columns,
        rows=rows,
        file=file,
        errors=batch.errors,
        date_format=date_format,
        origin=origin,
        numbers=numbers,
    )
    batch.add("opportunities", deals)
    batch.pipelines.extend(_pipelines(entered, deals))
    for entity, key, field in (
        ("people", "person_id", "owner_id"),
        ("accounts", "account_id", "account_id"),
    ):
        names, ids = (owners, companies)[entity == "accounts"], columns.get(field)
        if names is None or ids is None:
            continue
        first = first_of_each(ids)
        found = {key: ids.take(first), "name": names.take(first)}
        if entity == "people":
            found["role"] = pa.repeat(pa.scalar("sales_rep"), len(first))
        batch.add(
            entity,
            build_table(
                ENTITIES[entity],
                found,
                rows=rows.take(first),
                file=file,
                errors=batch.errors,
                origin={"name": origin[field]},
            ),
        )
        if len(first):
            kept = "each is kept under the name the export gives"
            batch.findings.append(stand_ins(entity, origin[field], ids.take(first), file, kept))
    batch.add(
        "stage_events", _events(batch, raw, columns["opportunity_id"], entered, file, date_format)
    )
    if not entered:
        batch.notes.append(
            f"{path.name}: no 'Date entered \"<stage> (<pipeline>)\"' columns, so no stage history"
        )


def read_hubspot(
    paths: Sequence[Path],
    progress: Progress | None = None,
    *,
    date_format: str | None = None,
    encoding: str | None = None,
    numbers: NumberFormat | None = None,
) -> Batch:
    """Read HubSpot deals exports. `date_format` (strptime, e.g. "%d/%m/%Y") is detected
    from the file when not given; a time of day after the date is accepted. Without
    `encoding`, each file's is detected."""
    batch = Batch(source="hubspot", files=[str(p) for p in paths])
    for path in paths:
        raw = batch.read_csv(path, progress, encoding=encoding)
        if raw is not None:
            _read(batch, path, raw, date_format, numbers)
    # Several exports: the same owner, company or pipeline once.
    for entity, key in (("people", "person_id"), ("accounts", "account_id")):
        if entity in batch.tables:
            table = batch.tables[entity]
            batch.tables[entity] = table.take(first_of_each(table[key].combine_chunks()))
    merged: dict[str, list[Stage]] = {}
    for pipeline in batch.pipelines:
        stages = merged.setdefault(pipeline.name, [])
        known = {s.name.casefold() for s in stages}
        stages.extend(s for s in pipeline.stages if s.name.casefold() not in known)
    batch.pipelines = [
        Pipeline(name, tuple(sorted(stages, key=_closed)), origin="hubspot")
        for name, stages in merged.items()
    ]
    return batch
