"""Salesforce exports: `Opportunity.csv` plus `Opportunity History.csv` (one row per stage entry).

Salesforce's own stage names are kept as a source pipeline "salesforce", ordered by the
SortOrder the history carries (and Salesforce's default list for stages it does not
show). The stage name decides the outcome: `IsWon`/`IsClosed` that disagree are noted.
Report exports write dates in the exporting user's locale: the format is detected from
the files (dd/mm/yyyy, mm/dd/yyyy or ISO) unless declared.
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
from pipefit.io.csv_files import Progress, read_header, read_text_table
from pipefit.io.errors import RowError
from pipefit.io.native import ENTITIES
from pipefit.io.parsing import FieldSpec, coerce_column
from pipefit.io.references import stand_ins
from pipefit.io.source_columns import (
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
UNKNOWN_FILE = (
    "is neither an Opportunity export (Id, StageName, CreatedDate, ...) nor an Opportunity "
    "History export (OppID or OpportunityId, StageName, CreatedDate)"
)


def _category(name: str) -> Category:
    words = re.findall(r"[a-z]+", name.casefold())
    if words[:1] == ["closed"] and "won" in words:
        return Category.WON
    if words[:1] == ["closed"] and "lost" in words:
        return Category.LOST
    return Category.OPEN


def salesforce_pipeline(orders: dict[str, int], extra: Sequence[str] = ()) -> Pipeline:
    """Stages by SortOrder (those seen in the history override the defaults); stages the
    history does not order come after the ordered open ones; then won, then lost."""
    known: dict[str, tuple[str, int]] = {n.casefold(): (n, o) for n, o in DEFAULT_STAGES}
    known |= {n.casefold(): (n, o) for n, o in orders.items()}
    for i, name in enumerate(extra):
        known.setdefault(name.casefold(), (name, 1000 + i))
    rank = {Category.OPEN: 0, Category.WON: 1, Category.LOST: 2}
    ordered = sorted(known.values(), key=lambda s: (rank[_category(s[0])], s[1], s[0]))
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
    """The SortOrder each stage name carries in the history (the lowest, if several)."""
    orders: dict[str, int] = {}
    for path, raw in files:
        if "SortOrder" not in raw.column_names:
            continue
        spec = FieldSpec("SortOrder", "int")
        order, problems = coerce_column(raw["SortOrder"], spec, file=str(path))
        batch.errors.extend(problems)
        pairs = pa.table({"s": text_column(raw, "StageName"), "o": order})
        for row in pairs.group_by(["s", "o"]).aggregate([]).to_pylist():
            if row["s"] is not None and row["o"] is not None:
                orders[row["s"]] = min(orders.get(row["s"], row["o"]), row["o"])
    return orders


def _history(batch: Batch, path: Path, raw: pa.Table, fmt: str | None) -> pa.Table:
    id_column = next(c for c in HISTORY_ID if c in raw.column_names)
    columns = {
        "opportunity_id": text_column(raw, id_column),
        "to_stage": text_column(raw, "StageName"),
        "at": text_column(raw, "CreatedDate"),
    }
    origin = {"opportunity_id": id_column, "to_stage": "StageName", "at": "CreatedDate"}
    return build_table(
        ENTITIES["stage_events"],
        columns,
        rows=line_numbers(raw.num_rows),
        file=str(path),
        errors=batch.errors,
        date_format=fmt,
        origin=origin,
    )


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
        said, problems = coerce_column(raw[flag], FieldSpec(flag, "bool"), file=str(path))
        batch.errors.extend(problems)
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
    batch: Batch, path: Path, raw: pa.Table, fmt: str | None, pipeline: Pipeline
) -> pa.Table:
    file, rows = str(path), line_numbers(raw.num_rows)
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
    )
    stage = columns["stage"]
    closed = [s.name.lower() for s in pipeline.stages if s.category is not Category.OPEN]
    is_closed = pc.fill_null(pc.is_in(pc.utf8_lower(stage), pa.array(closed, pa.string())), False)
    expected = count_true(pc.and_(pc.invert(is_closed), pc.is_valid(opps["closed_at"])))
    if expected:
        batch.notes.append(
            f"{path.name}: CloseDate of the {expected} open opportunities is "
            "an expected date, not a close: not kept"
        )
    closed_at = pc.if_else(is_closed, opps["closed_at"], pa.scalar(None, opps["closed_at"].type))
    opps = opps.set_column(opps.column_names.index("closed_at"), "closed_at", closed_at)
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
    paths: Sequence[Path], progress: Progress | None = None, *, date_format: str | None = None
) -> Batch:
    """Read an Opportunity export and its Opportunity History (either may come alone).

    `date_format` is the strptime format of the date part (e.g. "%d/%m/%Y"); a time of
    day (HH:MM[:SS]) after it is accepted. Without it, the format is detected.
    """
    batch = Batch(source="salesforce", files=[str(p) for p in paths])
    found: dict[str, list[tuple[Path, pa.Table]]] = {"opportunity": [], "history": []}
    for path in paths:
        kind = _kind(path, read_header(path))
        if kind is None or (kind == "opportunity" and found["opportunity"]):
            message = UNKNOWN_FILE if kind is None else "is a second Opportunity export"
            batch.errors.append(RowError(str(path), None, None, None, message))
            continue
        raw = read_text_table(path, progress)
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
    stages = [
        v
        for files in found.values()
        for _, raw in files
        for v in pc.unique(text_column(raw, "StageName")).to_pylist()
        if v
    ]
    pipeline = salesforce_pipeline(_stage_orders(batch, found["history"]), stages)
    batch.pipelines.append(pipeline)
    opps = None
    for path, raw in found["opportunity"]:
        opps = _opportunities(batch, path, raw, fmt, pipeline)
        batch.add("opportunities", opps)
    histories = [_history(batch, path, raw, fmt) for path, raw in found["history"]]
    if histories:
        # Equal times keep the file's order; explicit seq makes re-imports idempotent.
        events = sequence_events(pa.concat_tables(histories), ties=("__file", ROW))
        batch.add("stage_events", events)
        _history_notes(batch, events, opps, pipeline)
    return batch
