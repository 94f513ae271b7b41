"""In-memory fakes for the import service: the stored side, the loader and the reader."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipefit.domain.imports import LoadReport, Note, RowError, TableReport
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.segments import Segmentation

__all__ = ["MemoryBatch", "MemoryBatchReader", "MemoryImports"]


# The key of each record type whose ids the fake keeps.
KEYS = {
    "accounts": "account_id",
    "contacts": "contact_id",
    "leads": "lead_id",
    "opportunities": "opportunity_id",
    "people": "person_id",
    "pools": "pool_id",
    "teams": "team_id",
}


class MemoryImports:
    """Holds stored pipelines and record ids (`stored`: record type -> ids); `load` records
    each batch it is given, keeps its ids, and fails, writing nothing, when `fail_with` is
    set."""

    def __init__(
        self,
        pipelines: dict[str, Pipeline] | None = None,
        opportunity_ids: Sequence[str] = (),
        stored: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.pipelines = dict(pipelines or {})
        self.ids: dict[str, set[str]] = {k: set() for k in KEYS}
        for record, ids in (stored or {}).items():
            self.ids[record].update(ids)
        self.ids["opportunities"].update(opportunity_ids)
        self.loads: list[dict[str, pa.Table]] = []
        self.fail_with: BaseException | None = None

    @property
    def opportunity_ids(self) -> set[str]:
        return self.ids["opportunities"]

    def stored_pipelines(self) -> dict[str, Pipeline]:
        return dict(self.pipelines)

    def which_stored(self, record: str, ids: pa.Array) -> pa.Array:
        return pa.array([i in self.ids[record] for i in ids.to_pylist()], pa.bool_())

    def load(
        self,
        tables: dict[str, pa.Table],
        *,
        source: str,
        files: list[str],
        progress: Callable[[str], None] | None = None,
        before_commit: Callable[[], None] | None = None,
    ) -> LoadReport:
        report = LoadReport()
        for name, table in tables.items():
            if progress:
                progress(name)
            report.tables[name] = TableReport(rows=table.num_rows, inserted=table.num_rows)
        if before_commit:
            before_commit()
        if self.fail_with is not None:
            raise self.fail_with
        self.loads.append(dict(tables))
        for record, key in KEYS.items():
            if record in tables and key in tables[record].column_names:
                self.ids[record].update(tables[record][key].to_pylist())
        return report


@dataclass
class MemoryBatch:
    """A batch as a reader would hand it over; `check` records what it was checked against
    and adds `problems` (the errors a real check would have found); `check_consistency`
    adds `doubts` (the notes a real one would have made) and records the clock."""

    source: str
    files: list[str] = field(default_factory=list)
    tables: dict[str, pa.Table] = field(default_factory=dict)
    pipelines: list[Pipeline] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    findings: list[Note] = field(default_factory=list)
    problems: list[RowError] = field(default_factory=list)
    doubts: list[Note] = field(default_factory=list)
    checked_against: dict[str, Any] = field(default_factory=dict)
    checked_at: datetime | None = None

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
        self.checked_against = {
            "pipelines": sorted(pipelines),
            "default_pipeline": default_pipeline,
            "currency": currency,
        }
        self.errors.extend(self.problems)

    def check_consistency(
        self,
        *,
        pipelines: Mapping[str, Pipeline],
        stored: Callable[[str, pa.Array], pa.Array],
        now: datetime,
    ) -> None:
        self.checked_at = now
        self.findings.extend(self.doubts)


class MemoryBatchReader:
    """Hands over the batch it was built with, and remembers how it was asked."""

    def __init__(self, batch: MemoryBatch) -> None:
        self.batch = batch
        self.asked: list[dict[str, Any]] = []

    def read(
        self,
        paths: Sequence[Path],
        *,
        fmt: str,
        mapping: Path | None,
        date_format: str | None,
        progress: Callable[[int], None] | None,
    ) -> MemoryBatch:
        self.asked.append(
            {"paths": list(paths), "fmt": fmt, "mapping": mapping, "date_format": date_format}
        )
        return self.batch
