"""In-memory fakes for the import service: the stored side, the loader and the reader."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

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

TIME = pa.timestamp("us", tz="UTC")
DEALS = pa.schema(
    [
        ("opportunity_id", pa.string()),
        ("pipeline", pa.string()),
        ("stage", pa.string()),
        ("amount", pa.decimal128(18, 4)),
        ("currency", pa.string()),
        ("closed_at", TIME),
    ]
)
EVENTS = pa.schema(
    [
        ("opportunity_id", pa.string()),
        ("seq", pa.int64()),
        ("to_stage", pa.string()),
        ("substate", pa.string()),
        ("at", TIME),
    ]
)


def _fit(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return pa.table(
        [
            pc.cast(table[f.name], f.type)
            if f.name in table.column_names
            else pa.nulls(table.num_rows, f.type)
            for f in schema
        ],
        schema=schema,
    )


@dataclass
class MemoryStaged:
    """What an import staged: the tables, and whether it closed them again."""

    tables: dict[str, pa.Table]
    closed: bool = False

    def close(self) -> None:
        self.closed = True


class MemoryImports:
    """Holds stored pipelines, deals and their stage events, and the ids of every record
    type (`stored`: record type -> ids); `load` records each batch it is given (and keeps
    its ids, deals and events) and fails, writing nothing, when `fail_with` is set. Deals
    given by id only sit in pipeline `pipeline`."""

    def __init__(
        self,
        pipelines: dict[str, Pipeline] | None = None,
        opportunity_ids: Sequence[str] = (),
        stored: Mapping[str, Sequence[str]] | None = None,
        *,
        pipeline: str = "inbound",
        stage: str = "Discovery",
    ) -> None:
        self.pipelines = dict(pipelines or {})
        self.ids: dict[str, set[str]] = {k: set() for k in KEYS}
        for record, ids in (stored or {}).items():
            self.ids[record].update(ids)
        self.ids["opportunities"].update(opportunity_ids)
        deals = sorted(self.opportunity_ids)
        self.deals = _fit(
            pa.table(
                {
                    "opportunity_id": deals,
                    "pipeline": [pipeline] * len(deals),
                    "stage": [stage] * len(deals),
                    "currency": ["EUR"] * len(deals),
                }
            ),
            DEALS,
        )
        self.events = EVENTS.empty_table()
        self.change_times: dict[str, datetime] = {}
        self.loads: list[dict[str, pa.Table]] = []
        self.fail_with: BaseException | None = None
        self.staged: list[MemoryStaged] = []  # what `stage` was given, and whether closed

    @property
    def opportunity_ids(self) -> set[str]:
        return self.ids["opportunities"]

    def stored_pipelines(self) -> dict[str, Pipeline]:
        return dict(self.pipelines)

    def which_stored(self, record: str, ids: pa.Array) -> pa.Array:
        return pa.array([i in self.ids[record] for i in ids.to_pylist()], pa.bool_())

    def holds_deals(self) -> bool:
        return bool(self.deals.num_rows > 0)

    def stored_deals(self, ids: Sequence[str]) -> pa.Table:
        wanted = pa.array(list(ids), pa.string())
        deals = self.deals.filter(pc.is_in(self.deals["opportunity_id"], value_set=wanted))
        last_seq, last_at = [], []
        for deal in deals["opportunity_id"].to_pylist():
            mine = self.events.filter(pc.equal(self.events["opportunity_id"], deal))
            last_seq.append(pc.max(mine["seq"]).as_py() if mine.num_rows else None)
            last_at.append(pc.max(mine["at"]).as_py() if mine.num_rows else None)
        changes = [self.change_times.get(d) for d in deals["opportunity_id"].to_pylist()]
        return (
            deals.append_column("last_seq", pa.array(last_seq, pa.int64()))
            .append_column("last_at", pa.array(last_at, TIME))
            .append_column("last_change_at", pa.array(changes, TIME))
        )

    def stored_history(self, ids: Sequence[str]) -> pa.Table:
        wanted = pa.array(list(ids), pa.string())
        mine = self.events.filter(pc.is_in(self.events["opportunity_id"], value_set=wanted))
        return mine.sort_by([("opportunity_id", "ascending"), ("seq", "ascending")])

    def _keep(self, tables: dict[str, pa.Table]) -> None:
        if "opportunities" in tables:
            given = tables["opportunities"]
            if "expected_close" in given.column_names:  # as the SQL side reads it
                closes = pc.coalesce(given["closed_at"], pc.cast(given["expected_close"], TIME))
                given = given.set_column(given.column_names.index("closed_at"), "closed_at", closes)
            opps = _fit(given, DEALS)
            self.opportunity_ids.update(opps["opportunity_id"].to_pylist())
            old = pc.invert(
                pc.is_in(self.deals["opportunity_id"], value_set=opps["opportunity_id"])
            )
            self.deals = pa.concat_tables([self.deals.filter(old), opps])
        if "stage_events" in tables:
            events = _fit(tables["stage_events"], EVENTS)
            key = pc.binary_join_element_wise(
                events["opportunity_id"], pc.cast(events["seq"], pa.string()), "/"
            )
            stored = pc.binary_join_element_wise(
                self.events["opportunity_id"], pc.cast(self.events["seq"], pa.string()), "/"
            )
            self.events = pa.concat_tables(
                [self.events, events.filter(pc.invert(pc.is_in(key, value_set=stored)))]
            )
        for row in tables.get("opportunity_changes", pa.table({})).to_pylist():
            last = self.change_times.get(row["opportunity_id"])
            self.change_times[row["opportunity_id"]] = max(last or row["at"], row["at"])

    def stage(self, tables: dict[str, pa.Table], *, source: str) -> MemoryStaged:
        staged = MemoryStaged(dict(tables))
        self.staged.append(staged)
        return staged

    def load(
        self,
        tables: dict[str, pa.Table],
        *,
        source: str,
        files: list[str],
        progress: Callable[[str], None] | None = None,
        before_commit: Callable[[], None] | None = None,
        staged: object | None = None,
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
        self._keep(tables)
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
    taken_at: datetime | None = None
    taken_from: str | None = None
    problems: list[RowError] = field(default_factory=list)
    column_names: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    findings: list[Note] = field(default_factory=list)
    doubts: list[Note] = field(default_factory=list)
    checked_against: dict[str, Any] = field(default_factory=dict)
    checked_at: datetime | None = None

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
        stored_deals: pa.Table | None = None,
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
        encoding: str | None = None,
        decimal: str | None = None,
        thousands: str | None = None,
    ) -> MemoryBatch:
        self.asked.append(
            {
                "paths": list(paths),
                "fmt": fmt,
                "mapping": mapping,
                "date_format": date_format,
                "encoding": encoding,
                "decimal": decimal,
                "thousands": thousands,
            }
        )
        return self.batch
