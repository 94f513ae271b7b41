"""The SQL side of an import: what is stored already, and the all-or-nothing bulk load."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pyarrow as pa
from sqlalchemy import Connection, Engine, select

from pipefit.domain.imports import LoadReport
from pipefit.domain.pipeline import Pipeline
from pipefit.store.bulk import bulk_load
from pipefit.store.locks import import_lock
from pipefit.store.pipelines import load_stored_pipelines
from pipefit.store.tables import opportunities

__all__ = ["SqlBatchLoader", "SqlImports"]

ID_CHUNK = 500  # ids per IN (...) query: well under every driver's parameter limit


class SqlImports:
    """Reads an import is checked against, on the unit of work's connection."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def stored_pipelines(self) -> dict[str, Pipeline]:
        return load_stored_pipelines(self._conn)

    def known_opportunities(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        column = opportunities.c.opportunity_id
        for start in range(0, len(ids), ID_CHUNK):
            chunk = list(ids[start : start + ID_CHUNK])
            found.update(r[0] for r in self._conn.execute(select(column).where(column.in_(chunk))))
        return found


class SqlBatchLoader:
    """`store.bulk.bulk_load` behind the import service's BatchLoader port."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self._url = url

    def load(
        self,
        tables: dict[str, pa.Table],
        *,
        source: str,
        files: list[str],
        progress: Callable[[str], None] | None = None,
        before_commit: Callable[[], None] | None = None,
    ) -> LoadReport:
        # No connection of the engine may hold a SQLite file while ADBC's own copy of
        # SQLite writes it in this process (see store.bulk.adbc_connection).
        self._engine.dispose()
        # One import at a time: a second one is refused at once, naming the first.
        with import_lock(self._url, self._engine):
            return bulk_load(
                self._url,
                tables,
                source=source,
                files=files,
                fmt=source,
                progress=progress,
                before_commit=before_commit,
            )
