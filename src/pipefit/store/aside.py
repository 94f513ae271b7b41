"""Big tables of an import, written aside while the import is still being checked.

SQLite writes one row at a time, on one core: a million deals and five million stage
events take most of an import. So as soon as a batch's rows are final (before the checks
across records and against the database), its biggest table (`ASIDE_TABLES`) is written
by a thread of its own into a scratch SQLite file with the table's exact schema, on the
other core. The load then copies it into the database inside its one transaction with
`INSERT INTO t SELECT * FROM aside.t`, which SQLite runs as a transfer of whole records
and index entries (no row is decoded or checked again), several times cheaper than
inserting the rows. When the load comes to the table before the copy is complete, the
copy stops there: the load copies the rows written so far and inserts the rest itself,
rather than wait for them and copy them once more. On a machine whose cores are all busy
already (`spare_core`, a 50 ms glance at the CPUs), nothing goes aside: the copy would
only add work.

The copy is used only when it cannot differ from a direct write: the table is empty in
the database when the load's transaction looks (so the stage log's numbers start at 1, as
the copy's do), and the load is given the very same rows (the same Arrow buffers; a check
that changed a column makes the load write that table directly). A scratch file is never
the database: it has no journal and is never synced, and it is deleted once the load is
done or the import refused (a killed import leaves its folder, `pipefit-aside-*`, in the
temporary folder); the database changes only in the load's transaction, with its own
settings (WAL, synced as before), so a killed import still leaves it as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipefit.store.tables import ENTITY_TABLES

__all__ = ["ASIDE_MIN_ROWS", "AsideCopies", "same_rows", "spare_core"]

# Below this many rows a table is written directly: a thread and a file cost more.
ASIDE_MIN_ROWS = 200_000

# How many tables go aside at once. With two cores, one writes the biggest table aside
# while the other runs the checks and then writes the other tables into the database:
# a second table aside would take its time from the first, the longest task of all.
ASIDE_TABLES = 1

# How long `spare_core` watches the CPUs.
IDLE_GLANCE_SECONDS = 0.05

# Rows written aside at a time: the load, once it needs the table, stops the writing
# after the rows at hand and writes the rest itself.
ASIDE_BATCH_ROWS = 65_536

# The scratch files' page cache; their pages need not survive a crash (see `_write`).
ASIDE_CACHE_KIB = 131_072


def spare_core() -> bool:
    """Whether a core is idle for a thread aside: on a machine already busy the thread
    would only add the copy's work to the import. Measured over a glance at the CPUs
    (Linux), else guessed from the last minute's load (which counts this process too)."""
    cores = os.cpu_count() or 1
    if cores < 2:
        return False
    try:
        # Two: the import's own thread (waiting while it looks) and the one aside.
        return idle_cores(IDLE_GLANCE_SECONDS) >= 1.5
    except (OSError, ValueError, ZeroDivisionError):
        return os.getloadavg()[0] < cores - 0.5


def _cpu_times() -> tuple[int, int]:
    """(idle, total) jiffies of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    return fields[3] + fields[4], sum(fields[:8])


def idle_cores(seconds: float) -> float:
    """How many cores were idle, on average, over the next `seconds`."""
    idle, total = _cpu_times()
    time.sleep(seconds)
    idle_after, total_after = _cpu_times()
    return (idle_after - idle) / (total_after - total) * (os.cpu_count() or 1)


def same_rows(given: pa.Table, kept: pa.Table) -> bool:
    """Whether two tables are the same rows in the same memory (Arrow never changes a
    buffer in place): a check that replaced a column gives new buffers, hence False."""
    if given.num_rows != kept.num_rows or not given.schema.equals(kept.schema):
        return False
    for name in given.column_names:
        ours, theirs = given[name].chunks, kept[name].chunks
        if len(ours) != len(theirs):
            return False
        for a, b in zip(ours, theirs, strict=True):
            if a.offset != b.offset or len(a) != len(b):
                return False
            for x, y in zip(a.buffers(), b.buffers(), strict=True):
                if (x is None) != (y is None) or (x is not None and x.address != y.address):
                    return False
    return True


@dataclass
class _Copy:
    name: str
    rows: pa.Table  # as given, to compare with what the load is given
    path: Path
    thread: threading.Thread | None = None
    cursor: Any = None  # the running statement, to cancel when the import is refused
    failed: BaseException | None = None
    done: bool = False
    written: int = 0  # the first rows written so far
    stop: threading.Event = field(default_factory=threading.Event)


@dataclass
class AsideCopies:
    """The scratch copies of one import's big tables (see the module's docstring)."""

    # table -> (name, SQL) of its CREATE TABLE, then of each CREATE INDEX, as stored
    schema: dict[str, list[tuple[str, str]]]
    page_size: int
    source: str
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pipefit-aside-")))
    copies: dict[str, _Copy] = field(default_factory=dict)
    closed: bool = False

    def start(self, tables: dict[str, pa.Table]) -> None:
        """Begin writing aside the biggest tables of the batch (`ASIDE_TABLES` of them)."""
        big = [
            (name, table)
            for name, table in tables.items()
            if table.num_rows >= ASIDE_MIN_ROWS and name in ENTITY_TABLES and name in self.schema
        ]
        big.sort(key=lambda item: -item[1].num_rows)
        for name, table in big[:ASIDE_TABLES]:
            copy = _Copy(name, table, self.folder / f"{name}.db")
            copy.thread = threading.Thread(
                target=self._write, args=(copy,), name=f"pipefit-aside-{name}", daemon=True
            )
            self.copies[name] = copy
            copy.thread.start()

    def _write(self, copy: _Copy) -> None:
        import adbc_driver_sqlite.dbapi as sqlite_dbapi

        from pipefit.store.bulk import RISING_INDEXES, prepare_rows

        try:
            table, _ = ENTITY_TABLES[copy.name]
            rows = prepare_rows(table, copy.rows, self.source, sqlite=True, first_logged=1)
            conn = sqlite_dbapi.connect(str(copy.path), autocommit=True)
            try:
                cursor = conn.cursor()
                copy.cursor = cursor
                cursor.execute(f"PRAGMA page_size={self.page_size}")
                # A scratch file: no journal, no syncing. If the machine stops, the file
                # is left over, incomplete and unused; the database has not changed.
                cursor.execute("PRAGMA journal_mode=OFF")
                cursor.fetchall()
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute(f"PRAGMA cache_size=-{ASIDE_CACHE_KIB}")
                # As the load does: indexes whose keys arrive in rising order grow with
                # the rows; the others are sorted once, after them.
                statements = self.schema[copy.name]
                later = [sql for name, sql in statements[1:] if name not in RISING_INDEXES]
                for _, sql in statements:
                    if sql not in later:
                        cursor.execute(sql)
                conn.adbc_connection.set_autocommit(False)
                for batch in rows.to_batches(max_chunksize=ASIDE_BATCH_ROWS):
                    if not self._go_on(copy):
                        break
                    cursor.adbc_ingest(copy.name, batch, mode="append")
                    copy.written += batch.num_rows
                del rows
                for sql in later:
                    if not self.closed:
                        cursor.execute(sql)
                conn.adbc_connection.commit()
                copy.done = not self.closed
            finally:
                copy.cursor = None
                conn.close()
        except BaseException as exc:  # the load writes the table directly instead
            copy.failed = exc

    def _go_on(self, copy: _Copy) -> bool:
        return not self.closed and not copy.stop.is_set()

    def copy_of(self, name: str, given: pa.Table) -> tuple[str, int] | None:
        """The file holding `name` written aside and how many of its first rows it holds,
        if it holds these rows. Stops the writing there: the load writes the rest itself
        rather than wait for it (and then copy it once more)."""
        copy = self.copies.get(name)
        if copy is None or copy.thread is None:
            return None
        copy.stop.set()
        copy.thread.join()
        if not copy.done or copy.failed is not None or not same_rows(given, copy.rows):
            return None
        return str(copy.path), copy.written

    def close(self) -> None:
        """Stop what is still being written and delete the files."""
        self.closed = True
        for copy in self.copies.values():
            cursor = copy.cursor
            if cursor is not None:
                with contextlib.suppress(Exception):
                    cursor.adbc_cancel()
        for copy in self.copies.values():
            if copy.thread is not None:
                copy.thread.join()
        self.copies.clear()
        shutil.rmtree(self.folder, ignore_errors=True)
