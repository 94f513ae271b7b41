"""The SQL side of an import: what is stored already, and the all-or-nothing bulk load."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Column, Connection, Engine, select

from pipefit.domain.imports import LoadReport
from pipefit.domain.pipeline import Pipeline
from pipefit.store import aside
from pipefit.store.aside import AsideCopies
from pipefit.store.bulk import bulk_load
from pipefit.store.database import is_sqlite
from pipefit.store.locks import import_lock
from pipefit.store.pipelines import load_stored_pipelines
from pipefit.store.tables import (
    ENTITY_TABLES,
    accounts,
    contacts,
    leads,
    opportunities,
    people,
    pools,
    teams,
)
from pipefit.store.types import MONEY_SCALE

__all__ = ["SqlBatchLoader", "SqlImports"]

ID_CHUNK = 500  # ids per IN (...) query: well under every driver's parameter limit
TIME = pa.timestamp("us", tz="UTC")
STORED_DEALS = pa.schema(
    [
        ("opportunity_id", pa.string()),
        ("pipeline", pa.string()),
        ("stage", pa.string()),
        ("amount", pa.decimal128(18, 4)),
        ("currency", pa.string()),
        ("closed_at", TIME),
        ("last_seq", pa.int64()),
        ("last_at", TIME),
        ("last_change_at", TIME),
    ]
)
STORED_EVENTS = pa.schema(
    [
        ("opportunity_id", pa.string()),
        ("seq", pa.int64()),
        ("to_stage", pa.string()),
        ("substate", pa.string()),
        ("at", TIME),
    ]
)


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), ID_CHUNK):
        yield list(ids[start : start + ID_CHUNK])


# Beyond this many ids, reading every stored row and keeping the wanted ones is quicker
# than asking for them in chunks.
WHOLE_TABLE = 20_000
KEY_SEPARATOR = "\x1f"  # SQLite's char(31), the ASCII unit separator
FETCH_ROWS = 100_000

# One index lookup per deal for its last event and change (quicker, on SQLite, than
# grouping the whole stage log even when every deal is wanted).
_DEALS = """
SELECT o.opportunity_id, o.pipeline, o.stage, o.amount, o.currency,
       COALESCE(o.closed_at, o.expected_close),
       (SELECT max(e.seq) FROM stage_events e WHERE e.opportunity_id = o.opportunity_id),
       (SELECT max(e.at) FROM stage_events e WHERE e.opportunity_id = o.opportunity_id),
       (SELECT max(c.at) FROM opportunity_changes c WHERE c.opportunity_id = o.opportunity_id)
FROM opportunities o {where}
"""
# In key order: SQLite reads its clustered stage log as stored, PostgreSQL its primary key.
_EVENTS = (
    "SELECT opportunity_id, seq, to_stage, substate, at FROM stage_events {where} "
    "ORDER BY opportunity_id, seq"
)
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
    """Reads an import is checked against, on the unit of work's connection."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    @property
    def _sqlite(self) -> bool:
        return self._conn.dialect.name == "sqlite"

    def stored_pipelines(self) -> dict[str, Pipeline]:
        return load_stored_pipelines(self._conn)

    def which_stored(self, record: str, ids: pa.Array) -> pa.Array:
        column = KEYS[record]
        if len(ids) > WHOLE_TABLE:
            # Every stored key at once, straight into Arrow and matched there: quicker
            # than thousands of IN (...) queries.
            stored = self._stored_keys(column)
            return pc.is_in(pc.cast(ids, stored.type), value_set=stored)
        found: list[str] = []
        wanted = ids.to_pylist()
        for chunk in _chunks(wanted):
            found.extend(r[0] for r in self._conn.execute(select(column).where(column.in_(chunk))))
        return pc.is_in(ids, value_set=pa.array(found, pa.string()))

    def _stored_keys(self, column: Column[str]) -> pa.Array:
        """Every stored key of a table. On SQLite they come over as one text, split by
        Arrow: no Python object per key (a third of the time for a million)."""
        table = column.table.name
        if self._sqlite:
            sql = f"SELECT count({column.name}), group_concat({column.name}, char(31)) FROM {table}"
            count, text = self._conn.exec_driver_sql(sql).one()
            if not count:
                return pa.array([], pa.large_string())
            keys = pc.split_pattern(pa.array([text], pa.large_string()), KEY_SEPARATOR)
            if len(keys[0]) == count:  # else a key holds the separator: read them one by one
                return keys.flatten()
        sql = f"SELECT {column.name} FROM {table}"
        keys = self._fetch(sql, (), pa.schema([("key", pa.large_string())]))
        return keys["key"].combine_chunks()

    def holds_deals(self) -> bool:
        return (
            self._conn.execute(select(opportunities.c.opportunity_id).limit(1)).first() is not None
        )

    def _raw_type(self, kind: pa.DataType) -> pa.DataType:
        """How the driver hands a column over: SQLite keeps money as 1/10,000 units and
        times as UTC text; PostgreSQL hands over Decimals and aware datetimes."""
        if self._sqlite and pa.types.is_decimal(kind):
            return pa.int64()
        if self._sqlite and pa.types.is_timestamp(kind):
            return pa.string()
        return kind

    def _fetch(self, sql: str, params: Sequence[Any], schema: pa.Schema) -> pa.Table:
        """Rows through the driver's own cursor on this unit's connection (inside its
        transaction), a batch at a time straight into Arrow: no per-value work in Python
        or SQLAlchemy, and no million tuples held at once."""
        raw = pa.struct([(f.name, self._raw_type(f.type)) for f in schema])
        chunks = []
        cursor = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql, tuple(params))
            while rows := cursor.fetchmany(FETCH_ROWS):
                chunks.append(pa.array(rows, raw))
        finally:
            cursor.close()
        table = pa.Table.from_struct_array(pa.chunked_array(chunks, raw))
        return pa.table([self._typed(table[f.name], f.type) for f in schema], schema=schema)

    def _typed(self, column: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
        if self._sqlite and pa.types.is_decimal(kind):
            units = pc.cast(column, pa.decimal128(19, 0))
            return pc.cast(pc.divide(pc.cast(units, pa.decimal128(24, 4)), _SCALE), kind)
        if self._sqlite and pa.types.is_timestamp(kind):
            return pc.assume_timezone(pc.cast(column, pa.timestamp("us")), "UTC")
        return column

    def _in(self, count: int) -> str:
        return "IN (" + ", ".join(["?"] * count) + ")" if self._sqlite else "= ANY(%s)"

    def _by_ids(self, sql: str, ids: Sequence[str], schema: pa.Schema) -> pa.Table:
        tables = [schema.empty_table()]
        for chunk in _chunks(ids):
            params: list[Any] = chunk if self._sqlite else [chunk]
            tables.append(self._fetch(sql.format(ids=self._in(len(chunk))), params, schema))
        return pa.concat_tables(tables)

    def _keep(self, table: pa.Table, ids: Sequence[str]) -> pa.Table:
        wanted = pc.is_in(table["opportunity_id"], value_set=pa.array(list(ids), pa.string()))
        return table if pc.all(wanted).as_py() else table.filter(wanted)

    def stored_deals(self, ids: Sequence[str]) -> pa.Table:
        """The stored deals among `ids` with the seq and time of their last stage event and
        the time of their last amount or close-date change."""
        if not ids or not self.holds_deals():
            return STORED_DEALS.empty_table()
        if len(ids) > WHOLE_TABLE:
            return self._keep(self._fetch(_DEALS.format(where=""), (), STORED_DEALS), ids)
        where = "WHERE o.opportunity_id {ids}"
        return self._by_ids(_DEALS.format(where=where), ids, STORED_DEALS)

    def stored_history(self, ids: Sequence[str]) -> pa.Table:
        if not ids:
            return STORED_EVENTS.empty_table()
        if len(ids) > WHOLE_TABLE:
            return self._keep(self._fetch(_EVENTS.format(where=""), (), STORED_EVENTS), ids)
        where = "WHERE opportunity_id {ids}"
        return self._by_ids(_EVENTS.format(where=where), ids, STORED_EVENTS)


_SCALE = pa.scalar(Decimal(MONEY_SCALE), pa.decimal128(5, 0))


class SqlBatchLoader:
    """`store.bulk.bulk_load` behind the import service's BatchLoader port."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self._url = url

    def stage(self, tables: dict[str, pa.Table], *, source: str) -> AsideCopies | _NothingStaged:
        """On SQLite, start writing the batch's big tables aside (see `store.aside`)."""
        if (
            not is_sqlite(self._url)
            or not any(t.num_rows >= aside.ASIDE_MIN_ROWS for t in tables.values())
            or not aside.spare_core()
        ):
            return _NOTHING_STAGED
        with self._engine.connect() as conn:
            page_size = int(conn.exec_driver_sql("PRAGMA page_size").scalar_one())
            rows = conn.exec_driver_sql(
                "SELECT tbl_name, name, sql FROM sqlite_master WHERE type IN ('table', "
                "'index') AND sql IS NOT NULL ORDER BY tbl_name, type = 'index', name"
            ).all()
            # Only a table empty now can be copied from aside (see store.aside).
            empty = {
                name
                for name, table in tables.items()
                if table.num_rows >= aside.ASIDE_MIN_ROWS
                and name in ENTITY_TABLES
                and conn.execute(select(ENTITY_TABLES[name][0]).limit(1)).first() is None
            }
        schema: dict[str, list[tuple[str, str]]] = {}
        for table, name, sql in rows:
            if str(table) in empty:
                schema.setdefault(str(table), []).append((str(name), str(sql)))
        copies = AsideCopies(schema=schema, page_size=page_size, source=source)
        copies.start(tables)
        return copies

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
                aside=staged.copy_of if isinstance(staged, AsideCopies) else None,
            )


class _NothingStaged:
    def close(self) -> None:
        pass


_NOTHING_STAGED = _NothingStaged()
