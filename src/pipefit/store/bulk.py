"""Load a batch of Arrow tables in one transaction: all of it lands, or none of it.

Rows are written set-at-a-time through ADBC (SQLite's C API, PostgreSQL's COPY), never
one ORM insert at a time. Into an empty table they go straight in (on SQLite, a big one
from the copy `store.aside` wrote beforehand, when there is one); otherwise through a
temporary staging table and one INSERT ... ON CONFLICT, which makes re-imports idempotent:
a row identical to the stored one is left alone, a changed one is updated, and the
append-only histories (stage log, amounts and close dates) only ever gain rows: a row
given again must be the stored one, else the load stops and writes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateIndex

from pipefit.domain.errors import ConflictError
from pipefit.domain.imports import LoadReport, TableReport
from pipefit.store import database
from pipefit.store.data_version import BUMP_SQL
from pipefit.store.database import (
    is_sqlite,
    normalise_url,
    sqlite_path,
    translate_error,
)
from pipefit.store.stage_log import claim_logged_raw
from pipefit.store.tables import ENTITY_TABLES
from pipefit.store.types import MONEY_SCALE, Money, UtcDateTime

__all__ = ["Aside", "LoadReport", "TableReport", "bulk_load", "prepare_rows"]

# Append-only tables, and the columns a row given again must share with the stored one.
APPEND_ONLY = {
    "stage_events": ("to_stage", "at"),
    "opportunity_changes": ("old_amount", "new_amount", "old_close_date", "new_close_date"),
}
SHOWN_CONFLICTS = 10

# Columns a batch may lack (formats that do not carry them): stored as null.
OPTIONAL_COLUMNS = {("opportunities", "expected_close")}

# Indexes whose keys the loader writes in rising order (the stage log's numbers, taken in
# a row): kept while rows go into an empty table, as each key lands at the index's end,
# which costs less than sorting them all into a new index afterwards.
RISING_INDEXES = {"ix_stage_events_logged"}


# The loader's page cache: index pages stay in memory while millions of rows go in.
LOAD_CACHE_KIB = 131_072
SORT_THREADS = 2

# After its commit the loader copies its pages from the WAL into the database file, but
# waits no longer than this for readers still on the state before it: what it cannot copy
# now, the next writer's automatic checkpoint copies later.
CHECKPOINT_WAIT_MS = 1_000

Aside = Callable[[str, pa.Table], tuple[str, int] | None]
"""(table, rows) -> a SQLite file holding the first N of exactly these rows in that table
(numbered from 1 where the stage log numbers them) and N, or None (see `store.aside`)."""


def _is_sqlite(url: str) -> bool:
    return is_sqlite(url)


def _connect(url: str, writable: bool) -> Any:
    if _is_sqlite(url):
        import adbc_driver_sqlite.dbapi as sqlite_dbapi

        path = sqlite_path(url)
        # A reader opens the file read-only: closing a writable connection that believes
        # it is the last one on the file checkpoints and deletes the WAL, which is not
        # safe while the engine's copy of SQLite has the file open in this process.
        conn = sqlite_dbapi.connect(path if writable else f"file:{quote(path)}?mode=ro")
        cursor = conn.cursor()
        # First the wait, as on every connection (store.database).
        cursor.execute(f"PRAGMA busy_timeout={database.BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA cache_size=-{LOAD_CACHE_KIB}")
        # The secondary indexes built after a big load sort a million keys each: SQLite's
        # sorter may use a helper thread for it (the import's other work waits meanwhile).
        cursor.execute(f"PRAGMA threads={SORT_THREADS}")
        cursor.close()
        return conn
    import adbc_driver_postgresql.dbapi as pg_dbapi

    plain = make_url(normalise_url(url)).set(drivername="postgresql")
    return pg_dbapi.connect(plain.render_as_string(hide_password=False))


def _translated(url: str, exc: Exception, *, connecting: bool) -> Exception:
    return translate_error(url, exc, connecting=connecting) or exc


@contextmanager
def adbc_connection(url: str, *, writable: bool = False) -> Iterator[Any]:
    """A raw ADBC connection with autocommit off: the caller commits once, at the end.
    On SQLite it only reads unless `writable` (the bulk loader's).

    It waits for locks as long as the engine's connections do; a database that cannot be
    reached, is not a database or stays locked is reported in one line (DatabaseBusy,
    DatabaseUnavailable), as it is through the engine.

    Never write through one on a SQLite file while a connection of the engine holds the
    same file in this process: the ADBC driver carries its own copy of SQLite, and two
    copies undo each other's locks (see store.compensation.sqlite_rows)."""
    import adbc_driver_manager

    try:
        conn = _connect(url, writable)
    except adbc_driver_manager.Error as exc:
        raise _translated(url, exc, connecting=True) from exc
    try:
        yield conn
    except adbc_driver_manager.Error as exc:
        raise _translated(url, exc, connecting=False) from exc
    finally:
        conn.close()


def _take_write_lock(cursor: Any) -> None:
    """Make the SQLite transaction a writer now, waiting its turn (busy timeout).

    A transaction that reads first and writes later fails at once if another connection
    committed in between (SQLite cannot wait its way out of a stale snapshot); a write
    that changes nothing, as the first statement, takes the write lock up front."""
    cursor.execute("UPDATE imports SET import_id = import_id WHERE false")


def _checkpoint(conn: Any) -> None:
    """Copy the committed import from the WAL into the database file, so that the WAL
    does not stay gigabytes long and the next small write does not pay for the copy.

    The import is committed already: a checkpoint cut short (readers still on the state
    before it) leaves the rest to the next writer's automatic checkpoint, nothing lost."""
    import adbc_driver_manager

    cursor = conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_WAIT_MS}")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.fetchall()
    except adbc_driver_manager.Error:
        pass
    finally:
        cursor.close()


def _db_column(column: pa.ChunkedArray, sql_type: Any, sqlite: bool) -> pa.ChunkedArray | pa.Array:
    """Arrow column -> the representation the table's column type stores."""
    arrow_type = column.type
    if isinstance(sql_type, Money) or pa.types.is_decimal(arrow_type):
        decimals = pc.cast(column, pa.decimal128(18, 4))
        if sqlite:
            scale = pa.scalar(Decimal(MONEY_SCALE), pa.decimal128(6, 0))
            return pc.cast(pc.multiply(decimals, scale), pa.int64())
        return decimals
    if pa.types.is_timestamp(arrow_type):
        if sqlite:
            # The layout SQLAlchemy's SQLite DATETIME reads back, in UTC.
            # A cast is ~14x faster than strftime and gives the same text.
            return pc.cast(pc.cast(column, pa.timestamp("us")), pa.string())
        return column
    if pa.types.is_date(arrow_type):
        return pc.cast(column, pa.string()) if sqlite else column
    if pa.types.is_boolean(arrow_type) and sqlite:
        return pc.cast(column, pa.int64())
    return column


def prepare_rows(
    table: Table, data: pa.Table, source: str, sqlite: bool, first_logged: int = 1
) -> pa.Table:
    columns: dict[str, Any] = {}
    for col in table.columns:
        if col.name in data.column_names:
            columns[col.name] = _db_column(data[col.name], col.type, sqlite)
        elif col.name == "source":
            columns[col.name] = pa.repeat(pa.scalar(source), data.num_rows)
        elif col.name == "version":
            columns[col.name] = pa.repeat(pa.scalar(0, pa.int64()), data.num_rows)
        elif col.name == "logged":
            # Rows given again keep their number (ON CONFLICT DO NOTHING): a gap, harmless.
            columns[col.name] = pa.array(
                np.arange(first_logged, first_logged + data.num_rows, dtype=np.int64)
            )
        elif (table.name, col.name) in OPTIONAL_COLUMNS:
            columns[col.name] = pa.nulls(
                data.num_rows, pa.string() if sqlite else pa.timestamp("us", tz="UTC")
            )
        else:
            raise ValueError(f"batch for {table.name} lacks column {col.name}")
    return pa.table(columns)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_cast(column: Any) -> str:
    sql_type = column.type
    if isinstance(sql_type, Money):
        return "numeric(18,4)"
    if isinstance(sql_type, UtcDateTime):
        return "timestamptz"
    return str(sql_type.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]


def _count(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {_quote(table)}")
    return int(cursor.fetchone()[0])


def _upsert_sql(table: Table, key: tuple[str, ...], staging: str, sqlite: bool) -> str:
    names = [c.name for c in table.columns]
    target = _quote(table.name)
    selected = ", ".join(
        _quote(n) if sqlite else f"CAST({_quote(n)} AS {_pg_cast(table.c[n])})" for n in names
    )
    insert = (
        f"INSERT INTO {target} ({', '.join(_quote(n) for n in names)}) "
        f"SELECT {selected} FROM {staging} WHERE true "
        f"ON CONFLICT ({', '.join(_quote(k) for k in key)}) "
    )
    if table.name in APPEND_ONLY:
        return insert + "DO NOTHING"
    changing = [n for n in names if n not in key and n != "version"]
    sets = [f"{_quote(n)} = excluded.{_quote(n)}" for n in changing]
    if "version" in names:
        sets.append(f"{_quote('version')} = {target}.{_quote('version')} + 1")
    differs = " OR ".join(
        f"{target}.{_quote(n)} IS DISTINCT FROM excluded.{_quote(n)}" for n in changing
    )
    if sqlite:
        differs = differs.replace("IS DISTINCT FROM", "IS NOT")
    return insert + f"DO UPDATE SET {', '.join(sets)} WHERE {differs}"


def _refuse_rewrites(
    cursor: Any, table: Table, key: tuple[str, ...], staging: str, sqlite: bool
) -> None:
    """An append-only row given again must be the stored one. The import checked that
    against what it read; a difference here means the history changed in between (a move
    made while the import ran): stop, so that nothing is written."""

    def given(name: str) -> str:
        column = f"s.{_quote(name)}"
        return column if sqlite else f"CAST({column} AS {_pg_cast(table.c[name])})"

    same_key = " AND ".join(f"t.{_quote(k)} = {given(k)}" for k in key)
    distinct = "IS NOT" if sqlite else "IS DISTINCT FROM"
    differs = " OR ".join(f"t.{_quote(c)} {distinct} {given(c)}" for c in APPEND_ONLY[table.name])
    cursor.execute(
        f"SELECT DISTINCT s.{_quote(key[0])} FROM {staging} s "
        f"JOIN {_quote(table.name)} t ON {same_key} WHERE {differs} "
        f"LIMIT {SHOWN_CONFLICTS + 1}"
    )
    ids = [str(r[0]) for r in cursor.fetchall()]
    if ids:
        more = ", ..." if len(ids) > SHOWN_CONFLICTS else ""
        raise ConflictError(
            f"the stored {table.name.replace('_', ' ')} of {', '.join(ids[:SHOWN_CONFLICTS])}"
            f"{more} changed while this import ran; nothing was written: import again"
        )


def _copy_aside(cursor: Any, name: str, path: str, rows: int) -> None:
    """Copy a table written aside into its empty namesake, in this transaction: SQLite
    transfers the records and index entries whole (`INSERT INTO t SELECT * FROM a.t`
    with identical schemas into an empty table)."""
    alias = f"pipefit_aside_{name}"
    cursor.execute(f"ATTACH DATABASE ? AS {_quote(alias)}", (path,))
    cursor.execute(f"INSERT INTO main.{_quote(name)} SELECT * FROM {_quote(alias)}.{_quote(name)}")
    cursor.execute("SELECT changes()")
    copied = int(cursor.fetchone()[0])
    if copied != rows:
        raise RuntimeError(f"copied {copied} rows of {name} from aside, expected {rows}")


def _write_table(
    cursor: Any, name: str, data: pa.Table, source: str, sqlite: bool, aside: Aside | None = None
) -> TableReport:
    table, key = ENTITY_TABLES[name]
    report = TableReport(rows=data.num_rows)
    if data.num_rows == 0:
        return report
    first_logged = 1
    if "logged" in table.c:
        first_logged = claim_logged_raw(cursor, sqlite=sqlite)
    before = _count(cursor, table.name)
    if aside is not None and sqlite and before == 0 and first_logged == 1:
        found = aside(name, data)
        if found is not None:
            path, copied = found
            if copied:
                _copy_aside(cursor, name, path, copied)
            if copied < data.num_rows:
                # The rest straight in after them, numbered on from them.
                rest = prepare_rows(table, data.slice(copied), source, sqlite, 1 + copied)
                cursor.adbc_ingest(table.name, rest, mode="append")
            report.inserted = data.num_rows
            return report
    prepared = prepare_rows(table, data, source, sqlite, first_logged)
    if before == 0 and sqlite:
        # Straight in: SQLite takes Arrow's types as they are. PostgreSQL's binary COPY
        # wants exact widths (int4 vs int8), so it always goes through the typed staging.
        # Secondary indexes are built once, after the rows, rather than row by row (but
        # for those whose keys arrive in order).
        later = [i for i in table.indexes if i.name not in RISING_INDEXES]
        for index in later:
            cursor.execute(f"DROP INDEX IF EXISTS {_quote(str(index.name))}")
        cursor.adbc_ingest(table.name, prepared, mode="append")
        for index in later:
            cursor.execute(str(CreateIndex(index).compile(dialect=sqlite_dialect.dialect())))
        report.inserted = prepared.num_rows
        return report
    staging = f"pipefit_staging_{table.name}"
    cursor.adbc_ingest(staging, prepared, mode="replace", temporary=True)
    qualified = f"temp.{staging}" if sqlite else staging
    if table.name in APPEND_ONLY:
        _refuse_rewrites(cursor, table, key, qualified, sqlite)
    upsert = _upsert_sql(table, key, qualified, sqlite)
    if sqlite:
        cursor.execute(upsert)
        cursor.execute("SELECT changes()")
    else:
        cursor.execute(f"WITH written AS ({upsert} RETURNING 1) SELECT count(*) FROM written")
    changed = int(cursor.fetchone()[0])
    after = _count(cursor, table.name)
    report.inserted = after - before
    report.updated = max(changed - report.inserted, 0)
    cursor.execute(f"DROP TABLE {qualified}")
    return report


def bulk_load(
    url: str,
    tables: dict[str, pa.Table],
    *,
    source: str,
    files: list[str],
    fmt: str,
    progress: Callable[[str], None] | None = None,
    before_commit: Callable[[], None] | None = None,
    aside: Aside | None = None,
) -> LoadReport:
    """Write every table of a checked batch in one transaction and record the import.
    On SQLite, a table `aside` holds a copy of is copied from there (see `store.aside`)."""
    sqlite = _is_sqlite(url)
    report = LoadReport()
    with adbc_connection(url, writable=True) as conn:
        cursor = conn.cursor()
        try:
            if sqlite:
                # The file stays in WAL mode: readers keep seeing the last committed state
                # while this transaction writes. Its pages go to the WAL; the checkpoint
                # after the commit copies them into the database file.
                cursor.execute("PRAGMA wal_autocheckpoint=0")
                _take_write_lock(cursor)
            for name in ENTITY_TABLES:
                if name in tables:
                    if progress:
                        progress(name)
                    start = time.perf_counter()
                    report.tables[name] = _write_table(
                        cursor, name, tables[name], source, sqlite, aside
                    )
                    report.tables[name].seconds = time.perf_counter() - start
            counts = {
                n: {"rows": r.rows, "inserted": r.inserted, "updated": r.updated}
                for n, r in report.tables.items()
            }
            now = datetime.now(UTC)
            at = now.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else now.isoformat()
            cursor.execute(
                "INSERT INTO imports (at, format, files, counts) VALUES (?, ?, ?, ?)"
                if sqlite
                else "INSERT INTO imports (at, format, files, counts) "
                "VALUES (CAST($1 AS timestamptz), $2, CAST($3 AS json), CAST($4 AS json))",
                (at, fmt, json.dumps(files), json.dumps(counts)),
            )
            cursor.execute(BUMP_SQL)
            if before_commit:
                before_commit()
            start = time.perf_counter()
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            cursor.close()
        if sqlite:
            _checkpoint(conn)
        report.commit_seconds = time.perf_counter() - start
    return report
