"""Checks across records, once a batch is typed and filled in: nothing wrong gets in silently.

- References (see `io.references`): each names a record of this import or the database.
- Close dates: a closed deal needs one (taken from its closing stage event when it has
  one), never before the deal was created; a close before the deal's last stage event is
  moved to that event, so no time in a stage is ever negative.
- Stage events later than the import's clock (beyond a small tolerance) are refused.
- An open deal whose history ends in a won or lost stage is noted.

Everything is set at a time over the batch's Arrow tables; Python loops run only over the
rows or ids being reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.clock import MAX_AHEAD
from pipefit.domain.imports import FILE, ROW, Note, RowError
from pipefit.domain.model import Category
from pipefit.domain.pipeline import Pipeline
from pipefit.io.references import (
    EXAMPLES,
    WhichStored,
    check_references,
    counted,
    files_of,
    flat,
)

if TYPE_CHECKING:
    from pipefit.io.batch import Batch

__all__ = ["WhichStored", "check_consistency"]

CLOSED = (str(Category.WON), str(Category.LOST))
IS = ("is", "are")
HAS = ("has", "have")


def check_consistency(
    batch: Batch,
    *,
    pipelines: Mapping[str, Pipeline],
    stored: WhichStored,
    now: datetime,
) -> None:
    """Check a finalized batch's records against each other and the database.

    Adds a RowError for what is refused and a Note for what is kept but looks wrong;
    close dates it settles (taken from a closing event, moved to the last event) are
    changed in `batch.tables["opportunities"]` and noted.
    """
    if now.tzinfo is None:
        raise ValueError("the import's clock must be timezone-aware")
    already = _rows_with_errors(batch.errors)
    check_references(batch, stored)
    check_event_times(batch, now)
    known = dict(pipelines) | {p.name: p for p in batch.pipelines}
    check_close_dates(batch, known, already)
    check_open_deals_ending_closed(batch, known)


# --- stage events ahead of the clock -----------------------------------------------------


def check_event_times(batch: Batch, now: datetime) -> None:
    """A stage change is recorded when it happens: one dated later than now is refused."""
    events = batch.tables.get("stage_events")
    if events is None or events.num_rows == 0:
        return
    limit = pa.scalar(now + MAX_AHEAD, events["at"].type)
    ahead = pc.fill_null(pc.greater(events["at"], limit), False)
    if not pc.any(ahead).as_py():
        return
    minutes = int(MAX_AHEAD.total_seconds() // 60)
    message = (
        f"is more than {minutes} minutes ahead of the clock ({_shown(now)}); "
        "a stage change is recorded when it happens, not before"
    )
    for row in events.filter(ahead).select([FILE, ROW, "at"]).to_pylist():
        batch.errors.append(
            RowError(
                row[FILE],
                row[ROW],
                batch.source_column("stage_events", row[FILE], "at"),
                _shown(row["at"]),
                message,
            )
        )


def _shown(moment: datetime) -> str:
    """A time as people read it in a message: the date alone when it is midnight."""
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return moment.date().isoformat()
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


# --- close dates ---------------------------------------------------------------------------


def _rows_with_errors(errors: Iterable[RowError]) -> dict[str, list[int]]:
    """Rows already refused for a value (a bad date reads as empty): not reported twice."""
    found: dict[str, list[int]] = {}
    for error in errors:
        if error.row is not None:
            found.setdefault(error.file, []).append(error.row)
    return found


def _without(table: pa.Table, rows: Mapping[str, list[int]]) -> pa.Array | pa.ChunkedArray:
    """A mask of the table's rows that no earlier error names."""
    keep = pc.is_valid(table[ROW])
    for file, numbers in rows.items():
        here = pc.and_(
            pc.equal(table[FILE], file),
            pc.is_in(table[ROW], value_set=pa.array(numbers, pa.int64())),
        )
        keep = pc.and_(keep, pc.invert(pc.fill_null(here, False)))
    return keep


def _set(table: pa.Table, name: str, column: pa.Array | pa.ChunkedArray) -> pa.Table:
    return table.set_column(table.column_names.index(name), name, column)


def _event_categories(
    events: pa.Table, deal_pipeline: pa.Array | pa.ChunkedArray, known: Mapping[str, Pipeline]
) -> pa.Array:
    """Each event's stage category in its deal's pipeline (null when not found). Names
    match as `finalize` matches them, ignoring case; only distinct pairs are looked up."""
    category = {
        (p.name.casefold(), s.name.casefold()): str(s.category)
        for p in known.values()
        for s in p.stages
    }
    pair = pc.binary_join_element_wise(
        pc.cast(deal_pipeline, pa.string()), events["to_stage"], "\x1f"
    )
    encoded = pc.dictionary_encode(pair).combine_chunks()
    found: list[str | None] = []
    for text in encoded.dictionary.to_pylist():
        pipeline_name, _, stage_name = text.partition("\x1f")
        found.append(category.get((pipeline_name.strip().casefold(), stage_name.casefold())))
    return pc.take(pa.array(found, pa.string()), encoded.indices)


def _deal_of_events(events: pa.Table, opps: pa.Table) -> pa.Array | pa.ChunkedArray:
    """For each event, the row of its deal in `opps` (null when the deal is not imported)."""
    return pc.index_in(events["opportunity_id"], value_set=flat(opps["opportunity_id"]))


def _among(column: pa.Array | pa.ChunkedArray, ids: pa.Array | pa.ChunkedArray) -> pa.Array:
    return pc.is_in(column, value_set=flat(ids))


def _latest(events: pa.Table, mask: pa.Array | pa.ChunkedArray) -> pa.Table:
    """The latest `at` per opportunity among the events `mask` selects."""
    chosen = events.filter(mask).select(["opportunity_id", "at"])
    return chosen.group_by("opportunity_id").aggregate([("at", "max")])


def _replace_close(opps: pa.Table, latest: pa.Table) -> pa.Table:
    """Close dates from `latest` (opportunity_id, at_max) where it has one."""
    where = pc.index_in(opps["opportunity_id"], value_set=flat(latest["opportunity_id"]))
    new = pc.take(latest["at_max"], where)
    return _set(opps, "closed_at", pc.coalesce(new, opps["closed_at"]))


def _examples(ids: pa.Array | pa.ChunkedArray) -> tuple[str, ...]:
    return tuple(str(i) for i in pc.unique(ids)[:EXAMPLES].to_pylist())


def check_close_dates(
    batch: Batch, known: Mapping[str, Pipeline], already: Mapping[str, list[int]]
) -> None:
    """A closed deal has a close date, not before its creation nor before its last event."""
    opps = batch.tables.get("opportunities")
    if opps is None or opps.num_rows == 0:
        return
    events = batch.tables.get("stage_events")
    if events is not None and events.num_rows == 0:
        events = None
    clean = _without(opps, already)
    closed = pc.and_(
        pc.fill_null(pc.is_in(opps["outcome"], value_set=pa.array(CLOSED)), False), clean
    )
    opps = _close_dates_from_events(batch, opps, events, known, closed)
    opps = _close_before_creation(batch, opps, closed)
    if events is not None:
        opps = _close_before_last_event(batch, opps, events, closed)
    batch.tables["opportunities"] = opps


def _close_dates_from_events(
    batch: Batch,
    opps: pa.Table,
    events: pa.Table | None,
    known: Mapping[str, Pipeline],
    closed: pa.Array | pa.ChunkedArray,
) -> pa.Table:
    """A won (lost) deal without a close date takes its last move into a won (lost) stage;
    without one it is refused."""
    undated = pc.and_(closed, pc.is_null(opps["closed_at"]))
    if not pc.any(undated).as_py():
        return opps
    if events is not None:
        deals = opps.filter(undated)
        theirs = events.filter(_among(events["opportunity_id"], deals["opportunity_id"]))
        where = _deal_of_events(theirs, deals)
        categories = _event_categories(theirs, pc.take(deals["pipeline"], where), known)
        closing = pc.fill_null(pc.equal(categories, pc.take(deals["outcome"], where)), False)
        latest = _latest(theirs, closing)
        if latest.num_rows:
            opps = _replace_close(opps, latest)
            batch.findings.append(
                Note(
                    f"{counted(latest.num_rows, 'opportunities', IS)} won or lost without a "
                    "close date, with a stage event into that stage",
                    "the close date is the time of their last such event",
                    latest.num_rows,
                    _examples(latest["opportunity_id"]),
                    files_of(
                        deals.filter(_among(deals["opportunity_id"], latest["opportunity_id"]))
                    ),
                    "closed_at",
                )
            )
    still = pc.and_(undated, pc.is_null(opps["closed_at"]))
    for row in opps.filter(still).select([FILE, ROW, "outcome"]).to_pylist():
        outcome = row["outcome"]
        batch.errors.append(
            RowError(
                row[FILE],
                row[ROW],
                batch.source_column("opportunities", row[FILE], "closed_at"),
                None,
                f"is empty: a {outcome} deal needs its close date (and no stage event into a "
                f"{outcome} stage gives it)",
            )
        )
    return opps


def _close_before_creation(
    batch: Batch, opps: pa.Table, closed: pa.Array | pa.ChunkedArray
) -> pa.Table:
    """A close before the creation is refused; on the creation day itself (a close date
    without a time of day) the close is at the creation time, noted."""
    early = pc.and_(closed, pc.fill_null(pc.less(opps["closed_at"], opps["created_at"]), False))
    if not pc.any(early).as_py():
        return opps
    same_day = pc.equal(
        pc.cast(opps["closed_at"], pa.date32()), pc.cast(opps["created_at"], pa.date32())
    )
    moved = pc.and_(early, pc.fill_null(same_day, False))
    refused = pc.and_(early, pc.invert(pc.fill_null(same_day, False)))
    for row in opps.filter(refused).select([FILE, ROW, "closed_at", "created_at"]).to_pylist():
        batch.errors.append(
            RowError(
                row[FILE],
                row[ROW],
                batch.source_column("opportunities", row[FILE], "closed_at"),
                _shown(row["closed_at"]),
                f"is before the deal was created ({_shown(row['created_at'])})",
            )
        )
    if pc.any(moved).as_py():
        shifted = opps.filter(moved)
        batch.findings.append(
            Note(
                f"{counted(shifted.num_rows, 'opportunities')} closed on the day of their "
                "creation but at an earlier time (a close date without a time of day)",
                "the close is at the creation time",
                shifted.num_rows,
                _examples(shifted["opportunity_id"]),
                files_of(shifted),
                "closed_at",
            )
        )
        opps = _set(opps, "closed_at", pc.if_else(moved, opps["created_at"], opps["closed_at"]))
    return opps


def _close_before_last_event(
    batch: Batch, opps: pa.Table, events: pa.Table, closed: pa.Array | pa.ChunkedArray
) -> pa.Table:
    """A close before the deal's last stage event is moved to that event (so the time in
    the last stage is never negative), noted."""
    where = _deal_of_events(events, opps)
    deal_closed = pc.fill_null(pc.take(closed, where), False)
    close = pc.take(opps["closed_at"], where)
    late = pc.and_(deal_closed, pc.fill_null(pc.greater(events["at"], close), False))
    if not pc.any(late).as_py():
        return opps
    latest = _latest(events, late)
    moved = opps.filter(_among(opps["opportunity_id"], latest["opportunity_id"]))
    batch.findings.append(
        Note(
            f"{counted(latest.num_rows, 'opportunities', HAS)} a close date before their last "
            "stage event",
            "the close is at the last event, so no time in a stage is negative",
            latest.num_rows,
            _examples(latest["opportunity_id"]),
            files_of(moved),
            "closed_at",
        )
    )
    return _replace_close(opps, latest)


# --- open deals whose history ends in a closing stage -------------------------------------


def check_open_deals_ending_closed(batch: Batch, known: Mapping[str, Pipeline]) -> None:
    """An open deal whose last stage event enters a won or lost stage is noted (the deal's
    stage decides its outcome; the history is kept as it came)."""
    opps, events = batch.tables.get("opportunities"), batch.tables.get("stage_events")
    if opps is None or events is None or opps.num_rows == 0 or events.num_rows == 0:
        return
    # Stage names are spelled as their pipeline spells them by now (see `finalize`).
    closing_names = sorted(
        {s.name for p in known.values() for s in p.stages if s.category is not Category.OPEN}
    )
    maybe = pc.fill_null(pc.is_in(events["to_stage"], value_set=pa.array(closing_names)), False)
    if not pc.any(maybe).as_py():
        return
    open_ids = pc.filter(opps["opportunity_id"], pc.equal(opps["outcome"], str(Category.OPEN)))
    entered = pc.filter(events["opportunity_id"], maybe)
    suspects = pc.unique(pc.filter(entered, _among(entered, open_ids)))
    if len(suspects) == 0:
        return
    theirs = events.filter(_among(events["opportunity_id"], suspects))
    last = theirs.group_by("opportunity_id").aggregate([("seq", "max")])
    ends = theirs.join(
        last,
        keys=["opportunity_id", "seq"],
        right_keys=["opportunity_id", "seq_max"],
        join_type="inner",
    )
    deals = opps.filter(_among(opps["opportunity_id"], suspects))
    where = _deal_of_events(ends, deals)
    categories = _event_categories(ends, pc.take(deals["pipeline"], where), known)
    closing = pc.fill_null(pc.is_in(categories, value_set=pa.array(CLOSED)), False)
    ended = ends.filter(closing)
    if ended.num_rows == 0:
        return
    won = int(pc.sum(pc.cast(pc.equal(pc.filter(categories, closing), "won"), pa.int64())).as_py())
    shown = deals.filter(_among(deals["opportunity_id"], ended["opportunity_id"]))
    batch.findings.append(
        Note(
            f"{counted(ended.num_rows, 'opportunities', IS)} open but the stage history "
            f"ends in a won or lost stage ({won:,} won, {ended.num_rows - won:,} lost)",
            "they stay open, as their stage says; the history is kept as it came",
            ended.num_rows,
            _examples(ended["opportunity_id"]),
            files_of(shown),
            "stage",
        )
    )
