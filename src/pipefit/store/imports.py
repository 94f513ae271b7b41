"""The SQL side of an import: what is stored already, and the all-or-nothing bulk load."""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Column, Connection, Engine, select

from pipefit.domain.imports import LoadReport
from pipefit.domain.pipeline import Pipeline
from pipefit.store.bulk import adbc_connection, bulk_load
from pipefit.store.pipelines import load_stored_pipelines
from pipefit.store.tables import (
    accounts,
    contacts,
    leads,
    opportunities,
    people,
    pools,
    teams,
)

__all__ = ["SqlBatchLoader", "SqlImports"]

ID_CHUNK = 500  # ids per IN (...) query: well under every driver's parameter limit
SCAN_FROM = 20_000  # from this many ids, reading every stored key is quicker than asking
# The key column of each record type an import's references may name.
KEYS: dict[str, Column[str]] = {
    "accounts": accounts.c.account_id,
    "contacts": contacts.c.contact_id,
    "leads": leads.c.lead_id,
    "opportunities": opportunities.c.opportunity_id,
    "people": people.c.person_id,
    "pools": pools.c.pool_id,
    "teams": teams.c.team_id,
}


class SqlImports:
    """Reads an import is checked against, on the unit of work's connection (and, for
    every key of a table at once, as Arrow through ADBC)."""

    def __init__(self, connection: Connection, url: str) -> None:
        self._conn = connection
        self._url = url

    def stored_pipelines(self) -> dict[str, Pipeline]:
        return load_stored_pipelines(self._conn)

    def which_stored(self, record: str, ids: pa.Array) -> pa.Array:
        column = KEYS[record]
        if len(ids) >= SCAN_FROM:
            # Every stored key at once, as Arrow (no Python object per row), matched in
            # Arrow: quicker than thousands of IN (...) queries.
            with adbc_connection(self._url) as conn:
                cursor = conn.cursor()
                try:
                    cursor.execute(f"SELECT {column.name} FROM {column.table.name}")
                    stored = cursor.fetch_arrow_table().column(0)
                finally:
                    cursor.close()
            return pc.is_in(ids, value_set=_flat_text(stored))
        found: list[str] = []
        wanted = ids.to_pylist()
        for start in range(0, len(wanted), ID_CHUNK):
            chunk = wanted[start : start + ID_CHUNK]
            found.extend(r[0] for r in self._conn.execute(select(column).where(column.in_(chunk))))
        return pc.is_in(ids, value_set=pa.array(found, pa.string()))


def _flat_text(column: pa.ChunkedArray) -> pa.Array:
    return pc.cast(column.combine_chunks(), pa.string())


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
        # Idle pooled connections keep a SQLite file open, and SQLite leaves WAL for the
        # faster rollback journal of a big load only when no other connection holds it.
        self._engine.dispose()
        return bulk_load(
            self._url,
            tables,
            source=source,
            files=files,
            fmt=source,
            progress=progress,
            before_commit=before_commit,
        )
