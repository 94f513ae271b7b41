"""In-memory fakes for the import service: the stored side, the loader and the reader."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipefit.domain.imports import LoadReport, RowError, TableReport
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.segments import Segmentation

__all__ = ["MemoryBatch", "MemoryBatchReader", "MemoryImports"]


class MemoryImports:
    """Holds stored pipelines and deal ids; `load` records each batch it is given and
    fails, writing nothing, when `fail_with` is set."""

    def __init__(
        self,
        pipelines: dict[str, Pipeline] | None = None,
        opportunity_ids: Sequence[str] = (),
    ) -> None:
        self.pipelines = dict(pipelines or {})
        self.opportunity_ids = set(opportunity_ids)
        self.loads: list[dict[str, pa.Table]] = []
        self.fail_with: BaseException | None = None

    def stored_pipelines(self) -> dict[str, Pipeline]:
        return dict(self.pipelines)

    def known_opportunities(self, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if i in self.opportunity_ids}

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
        if "opportunities" in tables:
            self.opportunity_ids.update(tables["opportunities"]["opportunity_id"].to_pylist())
        return report


@dataclass
class MemoryBatch:
    """A batch as a reader would hand it over; `check` records what it was checked against
    and adds `problems` (the errors a real check would have found)."""

    source: str
    files: list[str] = field(default_factory=list)
    tables: dict[str, pa.Table] = field(default_factory=dict)
    pipelines: list[Pipeline] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[RowError] = field(default_factory=list)
    column_names: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    checked_against: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {name: t.num_rows for name, t in self.tables.items()}

    def source_column(self, entity: str, file: str, name: str) -> str:
        return self.column_names.get((entity, file), {}).get(name, name)

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
        encoding: str | None = None,
    ) -> MemoryBatch:
        self.asked.append(
            {
                "paths": list(paths),
                "fmt": fmt,
                "mapping": mapping,
                "date_format": date_format,
                "encoding": encoding,
            }
        )
        return self.batch
