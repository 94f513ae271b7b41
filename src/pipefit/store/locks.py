"""One import at a time per database: a second one is refused at once, naming the first.

Readers never wait for an import (SQLite stays in WAL mode; PostgreSQL has MVCC), but two
imports would: the second would sit on SQLite's write lock until its busy timeout ran out
and then die, or on PostgreSQL interleave with the first. So an import first takes the
database's import lock, or is refused with "another import is running (pid N, started
at T)" and writes nothing:

- SQLite: an advisory lock (flock) on a lock file beside the database,
  `<database>.import-lock`, holding the importer's pid, host and start time. The kernel
  drops the lock when its process ends however it ends (kill -9 included), so the lock
  of a dead import is simply taken over; the file is removed when the import finishes.
- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) on a connection of its
  own, whose application name carries the pid and host; the server drops it with the
  session.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from pipefit.domain.errors import PipefitError
from pipefit.store.database import is_sqlite, sqlite_path

__all__ = ["IMPORT_LOCK_KEY", "ImportRunning", "Importer", "import_lock", "lock_file_of"]

# pg_advisory_lock's key for "an import is writing": b"pipefit" as an integer.
IMPORT_LOCK_KEY = int.from_bytes(b"pipefit", "big")
APPLICATION_NAME = "pipefit import"


@dataclass(frozen=True)
class Importer:
    """Who holds the import lock, as far as it can be told."""

    pid: int | None
    started_at: datetime | None
    host: str | None = None

    def describe(self) -> str:
        parts = []
        if self.pid is not None:
            here = self.host in (None, socket.gethostname())
            parts.append(f"pid {self.pid}" + ("" if here else f" on {self.host}"))
        if self.started_at is not None:
            parts.append(f"started at {self.started_at:%Y-%m-%d %H:%M:%S} UTC")
        return f" ({', '.join(parts)})" if parts else ""


class ImportRunning(PipefitError):
    """Another import holds the database's import lock."""

    def __init__(self, holder: Importer) -> None:
        super().__init__(
            f"another import is running{holder.describe()}; nothing was written. Run this "
            "import again when it has finished"
        )
        self.holder = holder


def lock_file_of(database: str) -> Path:
    return Path(database + ".import-lock")


@contextmanager
def import_lock(url: str, engine: Engine) -> Iterator[None]:
    """Hold the database's import lock for the block, or raise ImportRunning at once."""
    if is_sqlite(url):
        database = sqlite_path(url)
        if database == ":memory:":
            yield  # nobody else can see an in-memory database
            return
        with _file_lock(lock_file_of(database)):
            yield
    else:
        with engine.connect() as connection, _advisory_lock(connection):
            yield


def _describe_self() -> bytes:
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": datetime.now(UTC).isoformat(),
    }
    return json.dumps(record).encode()


def _read_holder(fd: int) -> Importer:
    # The holder writes its record right after taking the lock: give it a moment.
    for _ in range(20):
        data = os.pread(fd, 4096, 0)
        if data:
            try:
                record = json.loads(data)
                return Importer(
                    pid=int(record["pid"]),
                    started_at=datetime.fromisoformat(record["started_at"]).astimezone(UTC),
                    host=str(record.get("host") or "") or None,
                )
            except (ValueError, KeyError, TypeError):
                break
        time.sleep(0.01)
    return Importer(pid=None, started_at=None)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl

    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise ImportRunning(holder) from None
        # The lock is on the file this descriptor opened; a finishing import may have
        # removed that file in between, and the next one locks a new file at this path.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, _describe_self(), 0)
        yield
    finally:
        # Removed while still locked, so that no one can lock the old file after us.
        path.unlink(missing_ok=True)
        os.close(fd)


@contextmanager
def _advisory_lock(connection: Connection) -> Iterator[None]:
    name = f"{APPLICATION_NAME} pid {os.getpid()} on {socket.gethostname()}"[:63]
    connection.execute(text("SELECT set_config('application_name', :name, false)"), {"name": name})
    taken = connection.execute(
        text("SELECT pg_try_advisory_lock(:key)"), {"key": IMPORT_LOCK_KEY}
    ).scalar_one()
    connection.commit()
    if not taken:
        raise ImportRunning(_advisory_holder(connection))
    try:
        yield
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": IMPORT_LOCK_KEY})
        connection.commit()


def _advisory_holder(connection: Connection) -> Importer:
    # A 64-bit key is kept in pg_locks as two 32-bit halves (classid high, objid low).
    row = connection.execute(
        text(
            "SELECT a.application_name, a.backend_start FROM pg_locks l "
            "JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted "
            "AND l.classid = :high AND l.objid = :low AND l.objsubid = 1 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"high": IMPORT_LOCK_KEY >> 32, "low": IMPORT_LOCK_KEY & 0xFFFFFFFF},
    ).first()
    connection.rollback()
    if row is None:
        return Importer(pid=None, started_at=None)
    name, started = str(row[0] or ""), row[1]
    pid, host = None, None
    words = name.split()
    if name.startswith(APPLICATION_NAME) and "pid" in words:
        after = words[words.index("pid") + 1 :]
        if after and after[0].isdigit():
            pid = int(after[0])
        if len(after) >= 3 and after[1] == "on":
            host = after[2]
    at = started.astimezone(UTC) if isinstance(started, datetime) else None
    return Importer(pid=pid, started_at=at, host=host)
