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

from pipefit.domain.imports import FILE, ROW, ImportRejected, LoadReport, Note, RowError
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.segments import Segmentation
from pipefit.services.ports.imports import (
    Batch,
    BatchLoader,
    BatchReader,
    ReadProgress,
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
    dry_run: bool = False,
    strict: bool = False,
    now: datetime | None = None,
    read_progress: ReadProgress | None = None,
    load_progress: Callable[[str], None] | None = None,
    before_commit: Callable[[], None] | None = None,
) -> ImportResult:
    """Read, check and load files. Raises ImportRejected (nothing written) on any bad row,
    and when `strict`, on anything that would only be noted. Stage events later than `now`
    (the import's clock, the current time by default) are refused."""
    started = time.perf_counter()
    batch = reader.read(
        paths, fmt=fmt, mapping=mapping, date_format=date_format, progress=read_progress
    )
    read_done = time.perf_counter()
    configured = defaults.pipelines
    with uow:
        stored = uow.imports.stored_pipelines()
    _check_pipeline_names(batch, configured)
    batch.check(
        pipelines=stored | configured,
        default_pipeline=defaults.default_pipeline,
        currency=defaults.currency,
        segmentation=defaults.segmentation,
    )
    batch.check_consistency(
        pipelines=stored | configured, stored=_stored_ids(uow), now=now or datetime.now(UTC)
    )
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
    )
    result.seconds["write"] = time.perf_counter() - checked
    return result
