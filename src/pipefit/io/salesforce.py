"""Salesforce exports: `Opportunity.csv` plus `Opportunity History.csv`.

The org's own stages are kept as a source pipeline "salesforce": the stages the export
uses, in the org's order (the `StageSortOrder` / `SortOrder` columns of either file); only
an export without any sort order falls back on Salesforce's default order for the default
stage names. The stage name decides the outcome: `IsWon`/`IsClosed` that disagree are
noted. Report exports write dates in the exporting user's locale: the format is detected
from the files (dd/mm/yyyy, mm/dd/yyyy or ISO) unless declared.

Salesforce writes an OpportunityHistory row whenever the stage, amount, close date,
probability or forecast category changes; each row holds the values after the change. A
row whose stage is the one before it is therefore not a stage move: its Amount and
CloseDate, where they changed, become amount and close-date history
(`opportunity_changes`), never a stage event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.model import Category
from pipefit.domain.pipeline import Pipeline, Stage
from pipefit.io.batch import FILE, ROW, Batch
from pipefit.io.changes import AMOUNT, CHANGES, CLOSE_DATE, changes_table, distinct
from pipefit.io.csv_files import Progress
from pipefit.io.errors import RowError
from pipefit.io.native import ENTITIES, EntitySpec
from pipefit.io.numbers import NumberFormat
from pipefit.io.parsing import ARROW_TYPES, FieldSpec, coerce_column
from pipefit.io.references import stand_ins
from pipefit.io.source_columns import (
    at_lines,
    build_table,
    count_true,
    detect_date_format,
    first_of_each,
    human_format,
    line_numbers,
    sequence_events,
    text_column,
)

__all__ = ["DEFAULT_STAGES", "read_salesforce", "salesforce_pipeline"]

# Salesforce's default Opportunity stages and their SortOrder.
DEFAULT_STAGES = (
    ("Prospecting", 1),
    ("Qualification", 2),
    ("Needs Analysis", 3),
    ("Value Proposition", 4),
    ("Id. Decision Makers", 5),
    ("Perception Analysis", 6),
    ("Proposal/Price Quote", 7),
    ("Negotiation/Review", 8),
    ("Closed Won", 9),
    ("Closed Lost", 10),
)
PIPELINE_NAME = "salesforce"
# Native field -> Salesforce column, for the Opportunity export.
OPPORTUNITY = {
    "opportunity_id": "Id",
    "name": "Name",
    "account_id": "AccountId",
    "stage": "StageName",
    "amount": "Amount",
    "owner_id": "OwnerId",
    "created_at": "CreatedDate",
    "closed_at": "CloseDate",
    "currency": "CurrencyIsoCode",
}
REQUIRED = {
    "opportunity": ("Id", "StageName", "CreatedDate"),
    "history": ("StageName", "CreatedDate"),
}
HISTORY_ID = ("OppID", "OpportunityId")  # a report export / the API object's name
SORT_ORDER = ("StageSortOrder", "SortOrder")  # the stage's place in the org's order
# An OpportunityHistory row: what it feeds -> the Salesforce column.
HISTORY = {
    "to_stage": "StageName",
    "at": "CreatedDate",
    "actor_id": "CreatedById",
    "amount": "Amount",
    "close_date": "CloseDate",
    "prev_amount": "PrevAmount",
    "prev_close_date": "PrevCloseDate",
    "currency": "CurrencyIsoCode",
}
HISTORY_ROWS = EntitySpec(
    "opportunity_history",
    (
        FieldSpec("opportunity_id", required=True),
        FieldSpec("to_stage", required=True),
        FieldSpec("at", "datetime", required=True),
        FieldSpec("actor_id"),
        FieldSpec("amount", "decimal"),
        FieldSpec("close_date", "datetime"),
        FieldSpec("prev_amount", "decimal"),
        FieldSpec("prev_close_date", "datetime"),
        FieldSpec("currency"),
    ),
    ("opportunity_id", "at"),
    "One OpportunityHistory row: the stage, amount and close date after a change.",
)
UNKNOWN_FILE = (
    "is neither an Opportunity export (Id, StageName, CreatedDate, ...) nor an Opportunity "
    "History export (OppID or OpportunityId, StageName, CreatedDate)"
)
SHOWN = 3  # example ids in a note


def _category(name: str) -> Category:
    words = re.findall(r"[a-z]+", name.casefold())
    if words[:1] == ["closed"] and "won" in words:
        return Category.WON
    if words[:1] == ["closed"] and "lost" in words:
        return Category.LOST
    return Category.OPEN


def salesforce_pipeline(names: Sequence[str], orders: Mapping[str, int]) -> Pipeline:
    """The stages the export uses (`names`, first spelling kept), open ones first, then
    won, then lost, each by the org's sort order (`orders`, by case-folded name).

    Without any sort order in the export, Salesforce's default order stands in for the
    default stage names. Stages without an order come after the ordered ones of their
    category, in the order the export first shows them."""
    fallback = {n.casefold(): o for n, o in DEFAULT_STAGES}
    order = dict(orders) if orders else fallback
    seen: dict[str, tuple[str, int]] = {}
    for i, name in enumerate(names):
        seen.setdefault(name.casefold(), (name, i))
    rank = {Category.OPEN: 0, Category.WON: 1, Category.LOST: 2}
    unordered = 1 << 30
    ordered = sorted(
        seen.values(),
        key=lambda s: (rank[_category(s[0])], order.get(s[0].casefold(), unordered), s[1]),
    )
    return Pipeline(
        PIPELINE_NAME, tuple(Stage(n, _category(n)) for n, _ in ordered), origin="salesforce"
    )


def _kind(path: Path, header: Sequence[str]) -> str | None:
    plain = re.sub(r"[^a-z]", "", path.stem.lower())
    if plain in ("opportunityhistory", "opportunityhistories"):
        return "history"
    if plain in ("opportunity", "opportunities"):
        return "opportunity"
    if "StageName" in header and any(c in header for c in HISTORY_ID):
        return "history"
    if "Id" in header and "StageName" in header:
        return "opportunity"
    return None


def _stage_orders(batch: Batch, files: Sequence[tuple[Path, pa.Table]]) -> dict[str, int]:
    """The sort order each stage name carries (by case-folded name; the lowest if several)
    in the Opportunity export's StageSortOrder or the history's SortOrder."""
    orders: dict[str, int] = {}
    for path, raw in files:
        column = next((c for c in SORT_ORDER if c in raw.column_names), None)
        if column is None:
            continue
        spec = FieldSpec(column, "int")
        order, problems = coerce_column(raw[column], spec, file=str(path), first_row=0)
        batch.errors.extend(at_lines(problems, line_numbers(raw)))
        pairs = pa.table({"s": pc.utf8_lower(text_column(raw, "StageName")), "o": order})
        for row in pairs.group_by(["s", "o"]).aggregate([]).to_pylist():
            if row["s"] is not None and row["o"] is not None:
                orders[row["s"]] = min(orders.get(row["s"], row["o"]), row["o"])
    return orders


def _history(batch: Batch, path: Path, raw: pa.Table, fmt: str | None) -> pa.Table:
    """The history rows typed, each bad value reported under its Salesforce column."""
    id_column = next(c for c in HISTORY_ID if c in raw.column_names)
    present = {f: c for f, c in HISTORY.items() if c in raw.column_names}
    columns = {f: text_column(raw, c) for f, c in present.items()}
    columns["opportunity_id"] = text_column(raw, id_column)
    return build_table(
        HISTORY_ROWS,
        columns,
        rows=line_numbers(raw),
        file=str(path),
        errors=batch.errors,
        date_format=fmt,
        origin=present | {"opportunity_id": id_column},
    )


def _shifted(column: pa.ChunkedArray, starts: pa.Array) -> pa.Array:
    """The previous row's value within each opportunity (null on its first row)."""
    flat = column.combine_chunks()
    previous = pa.concat_arrays([pa.nulls(1, flat.type), flat[:-1]])
    return pc.if_else(starts, pa.scalar(None, flat.type), previous)


def _stage_moves(rows: pa.Table, keep: pa.Array) -> pa.Table:
    """Stage events from the history rows that `keep` selects (numbered by `sequence_events`)."""
    moves = rows.filter(keep)
    spec = ENTITIES["stage_events"]
    given = {"opportunity_id", "to_stage", "at", "actor_id"}
    columns = {
        f.name: moves[f.name] if f.name in given else pa.nulls(moves.num_rows, ARROW_TYPES[f.type])
        for f in spec.fields
    }
    return pa.table(columns | {ROW: moves[ROW], FILE: moves[FILE]})


def _changes_of(
    rows: pa.Table, starts: pa.Array, field: str, column: str, before: str
) -> tuple[pa.Table, pa.Array]:
    """Rows where `column` differs from the row before (on a deal's first row: from the
    export's `before` column, when it says), as history of `field`; and the mask."""
    value = rows[column]
    old = pc.coalesce(_shifted(value, starts), pc.if_else(starts, rows[before], None))
    first_known = pc.and_(starts, pc.is_valid(rows[before]))
    changed = pc.if_else(starts, first_known, pa.scalar(True))
    changed = pc.fill_null(pc.and_(changed, distinct(old, value)), False)
    picked = rows.filter(changed)
    kind = "amount" if field == AMOUNT else "close_date"
    table = changes_table(
        {
            "opportunity_id": picked["opportunity_id"],
            "field": pa.repeat(pa.scalar(field), picked.num_rows),
            "at": picked["at"],
            f"old_{kind}": pc.filter(old, changed),
            f"new_{kind}": picked[column],
            "currency": picked["currency"],
            ROW: picked[ROW],
            FILE: picked[FILE],
        },
        picked.num_rows,
    )
    return table, changed


def _examples(ids: pa.Array | pa.ChunkedArray, mask: pa.Array) -> str:
    shown = pc.unique(pc.filter(ids, mask)).to_pylist()
    more = ", ..." if len(shown) > SHOWN else ""
    return ", ".join(str(i) for i in shown[:SHOWN]) + more


def _split_history(
    batch: Batch, rows: pa.Table, header: set[str]
) -> tuple[pa.Table, pa.Table | None]:
    """Stage events (rows that enter another stage, and each deal's first row) and the
    amount and close-date history of the rest, with a note for what is neither."""
    keys = [(k, "ascending") for k in ("opportunity_id", "at", FILE, ROW)]
    rows = rows.take(pc.sort_indices(rows, sort_keys=keys))
    ids = rows["opportunity_id"].combine_chunks()
    changed_id = pc.fill_null(pc.not_equal(ids[1:], ids[:-1]), True)
    starts = pa.concat_arrays([pa.array([True]), changed_id]) if len(ids) else pa.array([])
    stage = pc.utf8_lower(rows["to_stage"])
    same = pc.fill_null(pc.equal(stage, _shifted(stage, starts)), False)
    events = sequence_events(_stage_moves(rows, pc.invert(same)), ties=(FILE, ROW))
    tables, kept = [], pa.repeat(pa.scalar(False), rows.num_rows)
    counts = {}
    for field, column, before in (
        (AMOUNT, "amount", "prev_amount"),
        (CLOSE_DATE, "close_date", "prev_close_date"),
    ):
        if HISTORY[column] not in header:
            continue
        table, changed = _changes_of(rows, starts, field, column, before)
        tables.append(table)
        counts[field] = table.num_rows
        kept = pc.or_(kept, changed)
    if tables and sum(counts.values()):
        only = count_true(pc.and_(same, kept))
        batch.notes.append(
            f"Opportunity History: {counts.get(AMOUNT, 0)} amount and "
            f"{counts.get(CLOSE_DATE, 0)} close-date changes kept as their own history; "
            f"{only} rows change only those, not the stage, and are not stage moves"
        )
    idle = pc.and_(same, pc.invert(kept))
    if count_true(idle):
        what = (
            "change neither the stage, the amount nor the close date (a probability or "
            "forecast category change): nothing of theirs is kept"
            if tables
            else "repeat the stage the opportunity is already in, and the export has no "
            "Amount or CloseDate column to say what changed (Salesforce writes such rows "
            "for amount, close date, probability and forecast changes): they are not stage "
            "moves and are not kept"
        )
        batch.notes.append(
            f"Opportunity History: {count_true(idle)} of {rows.num_rows} rows {what} "
            f"(e.g. {_examples(ids, idle)})"
        )
    changes = pa.concat_tables(tables) if tables else None
    return events, changes


def _flag_disagreements(
    batch: Batch, path: Path, raw: pa.Table, stage: pa.Array, pipeline: Pipeline
) -> None:
    """IsWon / IsClosed that contradict the stage: the stage wins; say how often."""
    for flag, categories in (
        ("IsWon", (Category.WON,)),
        ("IsClosed", (Category.WON, Category.LOST)),
    ):
        if flag not in raw.column_names:
            continue
        said, problems = coerce_column(
            raw[flag], FieldSpec(flag, "bool"), file=str(path), first_row=0
        )
        batch.errors.extend(at_lines(problems, line_numbers(raw)))
        names = [s.name.lower() for s in pipeline.stages if s.category in categories]
        is_it = pc.is_in(pc.utf8_lower(stage), value_set=pa.array(names, pa.string()))
        wrong = pc.and_(pc.is_valid(said), pc.not_equal(said, is_it))
        if count_true(wrong):
            yes = count_true(pc.and_(wrong, said))
            batch.notes.append(
                f"{path.name}: {flag} contradicts StageName on {count_true(wrong)} opportunities "
                f"({yes} say TRUE, {count_true(wrong) - yes} say FALSE); the stage wins"
            )


def _opportunities(
    batch: Batch,
    path: Path,
    raw: pa.Table,
    fmt: str | None,
    pipeline: Pipeline,
    numbers: NumberFormat | None = None,
) -> pa.Table:
    file, rows = str(path), line_numbers(raw)
    columns = {f: text_column(raw, c) for f, c in OPPORTUNITY.items() if c in raw.column_names}
    columns["pipeline"] = pa.repeat(pa.scalar(PIPELINE_NAME), raw.num_rows)
    origin = {f: c for f, c in OPPORTUNITY.items() if c in raw.column_names}
    opps = build_table(
        ENTITIES["opportunities"],
        columns,
        rows=rows,
        file=file,
        errors=batch.errors,
        date_format=fmt,
        origin=origin,
        numbers=numbers,
    )
    stage = columns["stage"]
    closed = [s.name.lower() for s in pipeline.stages if s.category is not Category.OPEN]
    is_closed = pc.fill_null(pc.is_in(pc.utf8_lower(stage), pa.array(closed, pa.string())), False)
    expected = count_true(pc.and_(pc.invert(is_closed), pc.is_valid(opps["closed_at"])))
    if expected:
        batch.notes.append(
            f"{path.name}: CloseDate of the {expected} open opportunities is "
            "an expected date, not a close: kept as their expected close date"
        )
    none = pa.scalar(None, opps["closed_at"].type)
    closed_at = pc.if_else(is_closed, opps["closed_at"], none)
    expected_close = pc.if_else(is_closed, none, opps["closed_at"])
    opps = opps.set_column(opps.column_names.index("closed_at"), "closed_at", closed_at)
    opps = opps.set_column(
        opps.column_names.index("expected_close"), "expected_close", expected_close
    )
    _flag_disagreements(batch, path, raw, stage, pipeline)
    for entity, column, role in (
        ("accounts", "AccountId", None),
        ("people", "OwnerId", "sales_rep"),
    ):
        if column not in raw.column_names:
            continue
        ids = columns["account_id" if entity == "accounts" else "owner_id"]
        first = first_of_each(ids)
        found = {
            "account_id" if entity == "accounts" else "person_id": ids.take(first),
            "name": ids.take(first),
        }
        if role:
            found["role"] = pa.repeat(pa.scalar(role), len(first))
        batch.add(
            entity,
            build_table(
                ENTITIES[entity],
                found,
                rows=rows.take(first),
                file=file,
                errors=batch.errors,
                origin={"name": column},
            ),
        )
        if len(first):
            kept = "each is kept under its id"
            batch.findings.append(stand_ins(entity, column, ids.take(first), file, kept))
    return opps


def _history_notes(
    batch: Batch, events: pa.Table, opps: pa.Table | None, pipeline: Pipeline
) -> None:
    if events.num_rows == 0:
        return
    names = pa.array([s.name.lower() for s in pipeline.stages], pa.string())
    position = pc.index_in(pc.utf8_lower(events["to_stage"]), value_set=names).combine_chunks()
    before = pa.concat_arrays([pa.nulls(1, position.type), position[:-1]])
    back = pc.and_(pc.greater(events["seq"], 1), pc.less(position, before))
    movers = len(pc.unique(pc.filter(events["opportunity_id"], pc.fill_null(back, False))))
    if movers:
        batch.notes.append(
            f"Opportunity History: {movers} opportunities move backwards through "
            "the stages; every move is kept as history"
        )
    if opps is None:
        return
    ids = events["opportunity_id"].combine_chunks()
    ends = pa.concat_arrays([pc.not_equal(ids[1:], ids[:-1]), pa.array([True])])
    last = events.filter(ends).select(["opportunity_id", "to_stage"])
    joined = last.join(opps.select(["opportunity_id", "stage"]), "opportunity_id")
    differ = count_true(
        pc.not_equal(pc.utf8_lower(joined["to_stage"]), pc.utf8_lower(joined["stage"]))
    )
    if differ:
        batch.notes.append(
            f"Opportunity History: on {differ} opportunities the last history "
            "row is not the current StageName; the opportunity keeps StageName"
        )


def read_salesforce(
    paths: Sequence[Path],
    progress: Progress | None = None,
    *,
    date_format: str | None = None,
    encoding: str | None = None,
    numbers: NumberFormat | None = None,
) -> Batch:
    """Read an Opportunity export and its Opportunity History (either may come alone).

    `date_format` is the strptime format of the date part (e.g. "%d/%m/%Y"); a time of
    day (HH:MM[:SS]) after it is accepted. Without it, the format is detected. Without
    `encoding`, each file's is detected (a Data Export may come in cp1252).
    """
    batch = Batch(source="salesforce", files=[str(p) for p in paths])
    found: dict[str, list[tuple[Path, pa.Table]]] = {"opportunity": [], "history": []}
    for path in paths:
        raw = batch.read_csv(path, progress, encoding=encoding)
        if raw is None:
            continue
        kind = _kind(path, raw.column_names)
        if kind is None or (kind == "opportunity" and found["opportunity"]):
            message = UNKNOWN_FILE if kind is None else "is a second Opportunity export"
            batch.errors.append(RowError(str(path), None, None, None, message))
            continue
        needed = REQUIRED[kind] + (() if kind == "opportunity" else (HISTORY_ID[0],))
        missing = [
            c
            for c in needed
            if c not in raw.column_names
            and not (c in HISTORY_ID and any(h in raw.column_names for h in HISTORY_ID))
        ]
        batch.errors.extend(
            RowError(str(path), 1, c, None, "required column is missing from the header")
            for c in missing
        )
        if not missing:
            found[kind].append((path, raw))
    if date_format is None:
        samples = [
            text_column(raw, c)
            for files in found.values()
            for _, raw in files
            for c in ("CreatedDate", "CloseDate")
            if c in raw.column_names
        ]
        date_format, how = detect_date_format(samples)
        batch.notes.append(f"Salesforce dates read as {how}; declare a date format to override")
    else:
        batch.notes.append(f"Salesforce dates read as {human_format(date_format)} (declared)")
    fmt = None if date_format in ("%Y-%m-%d", "iso") else date_format
    names = [
        v
        for files in found.values()
        for _, raw in files
        for v in pc.unique(text_column(raw, "StageName")).to_pylist()
        if v
    ]
    if not names:  # no file could be read (their problems are reported), or no stage at all
        if not batch.errors:
            batch.errors.append(
                RowError(
                    ", ".join(str(p) for p in paths),
                    None,
                    "StageName",
                    None,
                    "no file holds a stage name; nothing to import",
                )
            )
        return batch
    orders = _stage_orders(batch, found["opportunity"] + found["history"])
    pipeline = salesforce_pipeline(names, orders)
    _order_notes(batch, pipeline, orders)
    batch.pipelines.append(pipeline)
    opps = None
    for path, raw in found["opportunity"]:
        opps = _opportunities(batch, path, raw, fmt, pipeline, numbers)
        batch.add("opportunities", opps)
    histories = [_history(batch, path, raw, fmt) for path, raw in found["history"]]
    if histories:
        header = {c for _, raw in found["history"] for c in raw.column_names}
        events, changes = _split_history(batch, pa.concat_tables(histories), header)
        batch.add("stage_events", events)
        if changes is not None:
            batch.add(CHANGES.name, changes)
        _history_notes(batch, events, opps, pipeline)
    return batch


def _order_notes(batch: Batch, pipeline: Pipeline, orders: Mapping[str, int]) -> None:
    if not orders:
        batch.notes.append(
            "Salesforce stages: the export has no StageSortOrder or SortOrder column; default "
            "stage names take Salesforce's default order, the others follow in the order seen"
        )
        return
    unordered = [s.name for s in pipeline.stages if s.name.casefold() not in orders]
    if unordered:
        batch.notes.append(
            f"Salesforce stages without a sort order in the export ({', '.join(unordered)}) "
            "follow the ordered ones, in the order seen"
        )
