"""import_files: read CRM exports, check them whole, and load them all or nothing.

What is wrong is refused (every problem at once); what may be real but looks wrong is kept
and noted, with counts and examples, unless the import is strict: then notes refuse it too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.domain.clock import MAX_AHEAD
from pipefit.domain.errors import PipefitError
from pipefit.domain.imports import FILE, ROW, ImportRejected, LoadReport, Note, RowError
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.segments import Segmentation
from pipefit.services.import_history import (
    CHANGES,
    merge_history,
    merge_source_pipelines,
    record_snapshot,
)
from pipefit.services.ports.imports import (
    Batch,
    BatchLoader,
    BatchReader,
    ReadProgress,
    Staged,
    WhichStored,
)
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = ["ImportDefaults", "ImportResult", "import_files"]


@dataclass(frozen=True)
class ImportDefaults:
    """What the workspace says about rows that leave something out, and its own pipelines."""

    pipelines: dict[str, Pipeline]  # the pipelines pipefit.toml defines
    default_pipeline: str
    currency: str
    segmentation: Segmentation


@dataclass
class ImportResult:
    fmt: str
    files: list[str]
    counts: dict[str, int]
    dry_run: bool
    report: LoadReport | None = None
    notes: list[str] = field(default_factory=list)  # every note as text, findings last
    findings: list[Note] = field(default_factory=list)  # data kept that looks wrong
    seconds: dict[str, float] = field(default_factory=dict)  # read, check, write


def _flat(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column


def _check_pipeline_names(batch: Batch, configured: dict[str, Pipeline]) -> None:
    """A source's own pipeline may not take the name of one pipefit.toml defines."""
    for pipeline in batch.pipelines:
        if pipeline.name in configured:
            batch.errors.append(
                RowError(
                    ", ".join(batch.files),
                    None,
                    "pipeline",
                    pipeline.name,
                    "is the name of a pipeline in pipefit.toml; a source's own stages are "
                    "kept under their own name (rename it, or map its stages onto this one)",
                )
            )


def _stored_ids(uow: UnitOfWork) -> WhichStored:
    """Which ids of a record type the database holds, each question in a short unit."""

    def known(record: str, ids: pa.Array) -> pa.Array:
        with uow:
            return uow.imports.which_stored(record, ids)

    return known


def _referenced_ids(batch: Batch) -> list[str]:
    """Every deal id the batch's rows name."""
    columns = [
        _flat(t["opportunity_id"])
        for name in ("opportunities", "stage_events", CHANGES)
        if (t := batch.tables.get(name)) is not None and "opportunity_id" in t.column_names
    ]
    if not columns:
        return []
    ids = pc.unique(pa.concat_arrays([pc.cast(c, pa.string()) for c in columns]))
    return [i for i in ids.to_pylist() if i is not None]


def _declared_time(declared: datetime | None) -> datetime | None:
    """When the user says the export was taken: UTC when no zone is given; not ahead of
    the clock."""
    if declared is None:
        return None
    moment = declared if declared.tzinfo else declared.replace(tzinfo=UTC)
    if moment > datetime.now(UTC) + MAX_AHEAD:
        raise PipefitError(
            f"the export's time {moment:%Y-%m-%d %H:%M} UTC is in the future",
            field="snapshot_at",
        )
    return moment.astimezone(UTC)


def _snapshot_time(batch: Batch, declared: datetime | None) -> tuple[datetime, str]:
    now = datetime.now(UTC)
    if declared is not None:
        return declared, "declared"
    if batch.taken_at is not None:
        return batch.taken_at, batch.taken_from or "the files' time"
    return now, "the time of the import"


def _apply_history(
    uow: UnitOfWork, batch: Batch, stored_deals: pa.Table, snapshot_at: datetime | None
) -> None:
    """Extend stored stage histories and record what changed since the last import
    (the rule is `services.import_history`'s)."""
    if stored_deals.num_rows == 0:
        return
    events = batch.tables.get("stage_events")
    stored_ids = _flat(stored_deals["opportunity_id"])
    with_history = pc.is_valid(stored_deals["last_seq"])
    asked: list[str] = []
    if events is not None and events.num_rows:
        wanted = pc.is_in(stored_ids, value_set=pc.unique(_flat(events["opportunity_id"])))
        asked = pc.filter(stored_ids, pc.and_(wanted, with_history)).to_pylist()
    if asked:
        with uow:
            stored_events = uow.imports.stored_history(asked)
    else:
        stored_events = pa.table(
            {
                "opportunity_id": pa.array([], pa.string()),
                "seq": pa.array([], pa.int64()),
                "to_stage": pa.array([], pa.string()),
                "substate": pa.array([], pa.string()),
                "at": pa.array([], pa.timestamp("us", tz="UTC")),
            }
        )
    extended = merge_history(batch, stored_events)
    if batch.errors:
        return
    at, taken = _snapshot_time(batch, snapshot_at)
    record_snapshot(batch, stored_deals, extended, at, taken)


def _pipeline_tables(pipelines: Sequence[Pipeline]) -> dict[str, pa.Table]:
    """Source pipelines travel in the same transaction as the rows that use them."""
    heads = pa.table(
        {
            "name": [p.name for p in pipelines],
            "origin": [p.origin for p in pipelines],
            "is_default": [False for _ in pipelines],
        }
    )
    stages = pa.table(
        {
            "pipeline": [p.name for p in pipelines for _ in p.stages],
            "name": [s.name for p in pipelines for s in p.stages],
            "position": pa.array(
                [i for p in pipelines for i, _ in enumerate(p.stages)], pa.int64()
            ),
            "category": [str(s.category) for p in pipelines for s in p.stages],
        }
    )
    return {"pipelines": heads, "stages": stages}


def _tables_to_load(batch: Batch) -> dict[str, pa.Table]:
    tables = {
        name: table.drop_columns([c for c in (ROW, FILE) if c in table.column_names])
        for name, table in batch.tables.items()
    }
    if batch.pipelines:
        tables |= _pipeline_tables(batch.pipelines)
    return tables


def import_files(
    uow: UnitOfWork,
    reader: BatchReader,
    loader: BatchLoader,
    defaults: ImportDefaults,
    paths: Sequence[Path],
    *,
    fmt: str = "native",
    mapping: Path | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
    snapshot_at: datetime | None = None,
    dry_run: bool = False,
    strict: bool = False,
    now: datetime | None = None,
    read_progress: ReadProgress | None = None,
    load_progress: Callable[[str], None] | None = None,
    before_commit: Callable[[], None] | None = None,
) -> ImportResult:
    """Read, check and load files. Raises ImportRejected (nothing written) on any bad row,
    and when `strict`, on anything that would only be noted. Stage events later than `now`
    (the import's clock, the current time by default) are refused.

    Deals stored before are compared with the import (`services.import_history`): their
    stage history is extended or the import refused, and what changed since is recorded
    at `snapshot_at` (default: when the files say the export was taken)."""
    started = time.perf_counter()
    snapshot_at = _declared_time(snapshot_at)
    batch = reader.read(
        paths,
        fmt=fmt,
        mapping=mapping,
        date_format=date_format,
        progress=read_progress,
        encoding=encoding,
        decimal=decimal,
        thousands=thousands,
    )
    read_done = time.perf_counter()
    configured = defaults.pipelines
    with uow:
        stored = uow.imports.stored_pipelines()
        wanted = _referenced_ids(batch) if uow.imports.holds_deals() else []
        stored_deals = uow.imports.stored_deals(wanted)
    _check_pipeline_names(batch, configured)
    batch.pipelines = merge_source_pipelines(batch.pipelines, stored)
    batch.check(
        pipelines=stored | configured,
        default_pipeline=defaults.default_pipeline,
        currency=defaults.currency,
        segmentation=defaults.segmentation,
        stored_deals=stored_deals,
    )
    # The rows are final now, but for what the checks across records may still settle:
    # the loader may start writing them (on another core) while those checks run.
    staged = (
        None
        if dry_run or batch.errors
        else loader.stage(_tables_to_load(batch), source=batch.source)
    )
    try:
        return _check_and_load(
            uow,
            loader,
            batch,
            stored,
            configured,
            stored_deals,
            staged,
            snapshot_at=snapshot_at,
            dry_run=dry_run,
            strict=strict,
            now=now,
            started=started,
            read_done=read_done,
            load_progress=load_progress,
            before_commit=before_commit,
        )
    finally:
        if staged is not None:
            staged.close()


def _check_and_load(
    uow: UnitOfWork,
    loader: BatchLoader,
    batch: Batch,
    stored: dict[str, Pipeline],
    configured: dict[str, Pipeline],
    stored_deals: pa.Table,
    staged: Staged | None,
    *,
    snapshot_at: datetime | None,
    dry_run: bool,
    strict: bool,
    now: datetime | None,
    started: float,
    read_done: float,
    load_progress: Callable[[str], None] | None,
    before_commit: Callable[[], None] | None,
) -> ImportResult:
    batch.check_consistency(
        pipelines=stored | configured, stored=_stored_ids(uow), now=now or datetime.now(UTC)
    )
    if not batch.errors:
        _apply_history(uow, batch, stored_deals, snapshot_at)
    refused = batch.errors + ([f.as_error() for f in batch.findings] if strict else [])
    if refused:
        raise ImportRejected(refused)
    checked = time.perf_counter()
    result = ImportResult(
        seconds={"read": read_done - started, "check": checked - read_done},
        fmt=batch.source,
        files=batch.files,
        counts=batch.counts(),
        dry_run=dry_run,
        notes=list(batch.notes) + [str(f) for f in batch.findings],
        findings=list(batch.findings),
    )
    if dry_run:
        return result
    result.report = loader.load(
        _tables_to_load(batch),
        source=batch.source,
        files=batch.files,
        progress=load_progress,
        before_commit=before_commit,
        staged=staged,
    )
    result.seconds["write"] = time.perf_counter() - checked
    return result
