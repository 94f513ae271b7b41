"""import_files: read CRM exports, check them whole, and load them all or nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.config import Workspace
from pipefit.domain.pipeline import Pipeline
from pipefit.io.batch import FILE, ROW, Batch, finalize
from pipefit.io.csv_files import Progress
from pipefit.io.errors import ImportRejected, RowError
from pipefit.io.formats import read_batch
from pipefit.store.bulk import LoadReport, bulk_load
from pipefit.store.database import make_engine
from pipefit.store.pipelines import load_stored_pipelines

__all__ = ["ImportResult", "import_files"]


@dataclass
class ImportResult:
    fmt: str
    files: list[str]
    counts: dict[str, int]
    dry_run: bool
    report: LoadReport | None = None
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # read, check, write


def _known_opportunities(workspace: Workspace, ids: pa.Array) -> set[str]:
    from sqlalchemy import select

    from pipefit.store.tables import opportunities

    wanted = ids.to_pylist()
    found: set[str] = set()
    engine = make_engine(workspace.database_url)
    with engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = conn.execute(
                select(opportunities.c.opportunity_id).where(
                    opportunities.c.opportunity_id.in_(chunk)
                )
            )
            found.update(r[0] for r in rows)
    engine.dispose()
    return found


def _check_references(batch: Batch, workspace: Workspace) -> None:
    """Stage events must belong to an opportunity of this import or of the database."""
    events = batch.tables.get("stage_events")
    if events is None or events.num_rows == 0:
        return
    opps = batch.tables.get("opportunities")
    in_batch = opps["opportunity_id"] if opps is not None else pa.array([], pa.string())
    orphan = pc.invert(
        pc.is_in(
            events["opportunity_id"],
            value_set=in_batch.combine_chunks()
            if isinstance(in_batch, pa.ChunkedArray)
            else in_batch,
        )
    )
    orphan_ids = pc.unique(pc.filter(events["opportunity_id"], orphan))
    if len(orphan_ids) == 0:
        return
    stored = _known_opportunities(workspace, orphan_ids)
    missing = [i for i in orphan_ids.to_pylist() if i not in stored]
    if not missing:
        return
    missing_set = pa.array(missing, pa.string())
    rows = events.filter(pc.is_in(events["opportunity_id"], value_set=missing_set))
    for row in rows.slice(0, 200).select([FILE, ROW, "opportunity_id"]).to_pylist():
        batch.errors.append(
            RowError(
                row[FILE],
                row[ROW],
                "opportunity_id",
                row["opportunity_id"],
                "names an opportunity that is neither in this import nor in the database",
            )
        )


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


def import_files(
    workspace: Workspace,
    paths: Sequence[Path],
    *,
    fmt: str = "native",
    mapping: Path | None = None,
    date_format: str | None = None,
    dry_run: bool = False,
    read_progress: Progress | None = None,
    load_progress: Callable[[str], None] | None = None,
    before_commit: Callable[[], None] | None = None,
) -> ImportResult:
    """Read, check and load files. Raises ImportRejected (nothing written) on any bad row."""
    started = time.perf_counter()
    batch = read_batch(fmt, paths, mapping=mapping, progress=read_progress, date_format=date_format)
    read_done = time.perf_counter()
    engine = make_engine(workspace.database_url)
    with engine.connect() as conn:
        stored = load_stored_pipelines(conn)
    config = workspace.config
    configured = config.pipelines_by_name()
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
    known: dict[str, Pipeline] = stored | configured
    finalize(
        batch,
        pipelines=known,
        default_pipeline=config.default_pipeline,
        currency=config.workspace.currency,
        segmentation=config.segmentation(),
    )
    _check_references(batch, workspace)
    if batch.errors:
        engine.dispose()
        raise ImportRejected(batch.errors)
    checked = time.perf_counter()
    result = ImportResult(
        seconds={"read": read_done - started, "check": checked - read_done},
        fmt=batch.source,
        files=batch.files,
        counts=batch.counts(),
        dry_run=dry_run,
        notes=list(batch.notes),
    )
    if dry_run:
        engine.dispose()
        return result
    tables = {
        name: table.drop_columns([c for c in (ROW, FILE) if c in table.column_names])
        for name, table in batch.tables.items()
    }
    if batch.pipelines:
        tables |= _pipeline_tables(batch.pipelines)
    engine.dispose()
    result.report = bulk_load(
        workspace.database_url,
        tables,
        source=batch.source,
        files=batch.files,
        fmt=batch.source,
        progress=load_progress,
        before_commit=before_commit,
    )
    result.seconds["write"] = time.perf_counter() - checked
    return result
