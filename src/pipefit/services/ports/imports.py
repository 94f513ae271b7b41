"""What the import service needs: a reader that turns files into a batch, the stored side of
an import (pipelines and deals already there) and a loader that writes a batch whole.

The io readers and the store's bulk loader implement these structurally (they do not import
this module: adapters sit below the services)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from pipefit.domain.imports import LoadReport, Note, RowError
from pipefit.domain.pipeline import Pipeline
from pipefit.domain.segments import Segmentation

__all__ = [
    "Batch",
    "BatchLoader",
    "BatchReader",
    "ImportRepository",
    "ReadProgress",
    "Staged",
    "WhichStored",
]

ReadProgress = Callable[[int], None]
"""Called with the number of bytes just read."""

WhichStored = Callable[[str, pa.Array], pa.Array]
"""(record type, distinct ids) -> a boolean per id: does the database hold it?"""


class Batch(Protocol):
    """What an import will write, table by table (Arrow), and every problem found so far.

    Each table carries the columns `domain.imports.ROW` and `FILE` (where a row came from)."""

    source: str
    files: list[str]
    tables: dict[str, pa.Table]
    pipelines: list[Pipeline]  # pipelines the source brings along (its own stages)
    errors: list[RowError]
    notes: list[str]  # how the files were read
    findings: list[Note]  # data kept that looks wrong (a strict import refuses it)
    taken_at: datetime | None  # when the export was taken, as far as the files tell
    taken_from: str | None  # how that is known ("the modification time of deals.csv")

    def counts(self) -> dict[str, int]: ...

    def source_column(self, entity: str, file: str, name: str) -> str:
        """The source's name for a field of `entity` read from `file`, for messages."""
        ...

    def check(
        self,
        *,
        pipelines: Mapping[str, Pipeline],
        default_pipeline: str,
        currency: str,
        segmentation: Segmentation,
        stored_deals: pa.Table | None = None,
    ) -> None:
        """Fill in what the files leave implicit (pipeline, currency, outcome, segment,
        event order) and add an error for every row that does not fit. Rows about deals
        stored before (`stored_deals`: opportunity_id, pipeline, currency) are read
        against those deals' pipelines and currencies."""
        ...

    def check_consistency(
        self, *, pipelines: Mapping[str, Pipeline], stored: WhichStored, now: datetime
    ) -> None:
        """After `check`: every reference names a record of the batch or of the database
        (`stored`); close dates fit the deal's creation and history; no stage event is
        later than `now`. Adds errors for what is refused and findings for what is kept."""
        ...


class BatchReader(Protocol):
    def read(
        self,
        paths: Sequence[Path],
        *,
        fmt: str,
        mapping: Path | None,
        date_format: str | None,
        progress: ReadProgress | None,
        encoding: str | None = None,
        decimal: str | None = None,
        thousands: str | None = None,
    ) -> Batch:
        """Read files of one format (or laid out as a mapping file says) into a batch.
        `date_format` is how dates are written where the values leave it open; `encoding`
        the files' text encoding (e.g. "cp1252"); `decimal` and `thousands` how numbers
        are written. Each is detected (per file or column) when None."""
        ...


class ImportRepository(Protocol):
    """The stored side an import is checked against (inside a unit of work)."""

    def stored_pipelines(self) -> dict[str, Pipeline]:
        """Pipelines kept in the database, with their stages and categories."""
        ...

    def which_stored(self, record: str, ids: pa.Array) -> pa.Array:
        """For each of these distinct ids (Arrow strings) of a record type (`accounts`,
        `people`, `opportunities`, `leads`, `contacts`, `teams`, `pools`), whether it is
        stored: a boolean array aligned with `ids`."""
        ...

    def holds_deals(self) -> bool:
        """Whether any deal is stored (a first import need not look for its deals)."""
        ...

    def stored_deals(self, ids: Sequence[str]) -> pa.Table:
        """The stored deals among `ids`, one row each: opportunity_id, pipeline, stage,
        amount (decimal), currency, closed_at (the close, else the expected close), and
        the seq and time of the last stage event (last_seq, last_at) and the time of the
        last amount or close-date change (last_change_at), null when there is none."""
        ...

    def stored_history(self, ids: Sequence[str]) -> pa.Table:
        """The stored stage events of these deals: opportunity_id, seq, to_stage,
        substate, at; each deal's events together, in seq order."""
        ...


class Staged(Protocol):
    """Tables a loader started writing aside before the batch's last checks."""

    def close(self) -> None:
        """Stop and forget what was written aside (after the load, or when refused)."""
        ...


class BatchLoader(Protocol):
    """Writes a checked batch all or nothing, in its own transaction, set at a time.

    It runs outside any open unit of work: the SQL loader writes through ADBC on its own
    connection (a second copy of SQLite, which must not share the file with another open
    connection in the process). One load runs at a time per database: a second one is
    refused at once with an error that names the first; readers go on meanwhile."""

    def stage(self, tables: dict[str, pa.Table], *, source: str) -> Staged:
        """A head start, taken once the rows are final but before the checks across
        records: the loader may begin writing these tables aside (on another core), to
        be used by `load` for any table it is then given unchanged. Writes nothing to
        the database; the caller closes what it returns, loaded or not."""
        ...

    def load(
        self,
        tables: dict[str, pa.Table],
        *,
        source: str,
        files: list[str],
        progress: Callable[[str], None] | None = None,
        before_commit: Callable[[], None] | None = None,
        staged: Staged | None = None,
    ) -> LoadReport:
        """Insert new rows and update changed ones (the stage log only gains rows), record
        the import, and commit once; on any failure nothing is written. `staged` is what
        `stage` returned for this batch, if it was called."""
        ...
