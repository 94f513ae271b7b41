"""Engines and schema migrations for SQLite (the embedded default) and PostgreSQL.

Many people may use one workspace at once, so every connection waits for a lock before
giving up (`BUSY_TIMEOUT_MS`, set before anything else touches the file), a SQLite file
stays in WAL mode for good (readers see the last committed state while an import
writes), and what goes wrong with the database itself reaches the user as one line that
says what is wrong and what to do (`DatabaseUnavailable`, `DatabaseBusy`), never as a
driver's traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import NullPool

from pipefit.domain.errors import PipefitError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import ExceptionContext

__all__ = [
    "BUSY_TIMEOUT_MS",
    "SCHEMA_HEAD",
    "DatabaseBusy",
    "DatabaseUnavailable",
    "alembic_config",
    "describe_url",
    "ensure_schema",
    "is_sqlite",
    "make_engine",
    "migrate",
    "normalise_url",
    "parse_url",
    "schema_revision",
    "sqlite_path",
]

MIGRATIONS = Path(__file__).parent / "migrations"

# The newest migration; a test checks it against Alembic's own idea of the head, so that
# everyday commands can skip importing Alembic when the schema is already current.
SCHEMA_HEAD = "0015"

# How long a connection waits for a lock another one holds before it gives up. In WAL
# mode readers are never blocked by a writer; this is what a second writer (a move, a
# pay run, an import's own start) waits for the first to commit.
BUSY_TIMEOUT_MS = 30_000
# Reads map the file instead of copying pages through read() calls: a connection is opened
# per unit of work (no pool, see make_engine), so its own page cache starts empty each time,
# while the mapped pages stay in the system's cache between connections.
MMAP_BYTES = 2**30

# SQLite result codes (sqlite3 exceptions carry them as `sqlite_errorcode`).
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_BUSY_SNAPSHOT = 517  # a stale reader tried to write: a conflict, not a wait


class DatabaseUnavailable(PipefitError):
    """The workspace's database cannot be used at all: unreachable, not a database, or of
    a kind pipefit does not store data in. The message says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="database")


class DatabaseBusy(PipefitError):
    """Another connection held a lock for longer than a connection waits."""


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use psycopg 3 for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def parse_url(url: str) -> URL:
    """The URL of a database pipefit can store data in, or a DatabaseUnavailable."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise DatabaseUnavailable(
            f"{url!r} is not a database URL: give sqlite:///path/to/file.db for a SQLite "
            "file or postgresql://user@host:port/database for a PostgreSQL server"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseUnavailable(
            f"pipefit does not store data in {backend} databases ({describe_url(url)}): "
            "use SQLite (sqlite:///path/to/file.db, the default) or PostgreSQL "
            "(postgresql://user@host:port/database)"
        )
    return parsed


def describe_url(url: str) -> str:
    """The URL as it may be shown: its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def is_sqlite(url: str) -> bool:
    return normalise_url(url).startswith("sqlite")


def sqlite_path(url: str) -> str:
    return make_url(normalise_url(url)).database or ":memory:"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # First the wait: every later statement (even switching to WAL, which reads the
    # file's header) may meet a lock, and without a timeout SQLite gives up at once.
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Bigger pages mean fewer B-tree splits on bulk loads; only takes effect on a new file,
    # so it comes before WAL fixes the page size.
    cursor.execute("PRAGMA page_size=16384")
    # WAL, for good: readers see the last committed state while a writer (an import)
    # works, and a writer waits only for another writer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


def _sqlite_error(url: str, exc: BaseException, connecting: bool) -> PipefitError | None:
    # sqlite3's exceptions carry SQLite's result code; ADBC's say it in words only.
    code = getattr(exc, "sqlite_errorcode", None)
    where = sqlite_path(url)
    if code == _SQLITE_BUSY_SNAPSHOT:
        return None  # the repositories turn this into a conflict (store.deals)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in str(exc):
        return DatabaseBusy(
            f"the database {where} is busy: another process (an import, a pay run) has held "
            f"it for more than {BUSY_TIMEOUT_MS / 1000:g} s; nothing was written. Try again "
            "when it has finished"
        )
    if "not a database" in str(exc):
        return DatabaseUnavailable(
            f"{where} is not a SQLite database (the file holds something else): point to "
            "a pipefit database, or to a new file name to start one"
        )
    if connecting:
        return DatabaseUnavailable(
            f"cannot open the SQLite database {where}: {exc}. Check that its folder "
            "exists, that it is a file and not a folder, and that you may write there"
        )
    return None


def _postgres_error(url: str, exc: BaseException) -> PipefitError:
    # psycopg: 'connection failed: connection to server at "h", port 1 failed: FATAL:  ...'
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    reason = re.sub(r"^.*failed: ", "", reason)
    reason = re.sub(r"^(FATAL|ERROR):\s+", "", reason)
    return DatabaseUnavailable(
        f"cannot connect to the PostgreSQL database {describe_url(url)}: {reason}. Check "
        "that the server is running and that the URL's host, port, user, password and "
        "database name are right"
    )


def translate_error(url: str, exc: BaseException, *, connecting: bool) -> PipefitError | None:
    """A user's one-line error for a driver's exception, or None to let it through.

    Connecting, any failure is the database's (unreachable, not a database, cannot be
    opened); later only a lock held too long and a file that turns out not to be a
    database are, and the rest is left as it is (a bug of pipefit's)."""
    if is_sqlite(url):
        return _sqlite_error(url, exc, connecting)
    if connecting:
        return _postgres_error(url, exc)
    return None


def _on_error(url: str) -> Any:
    def handle_error(context: ExceptionContext) -> None:
        if context.is_pre_ping:
            return  # the pool's liveness probe: it reconnects by itself
        connecting = context.connection is None or context.is_disconnect
        translated = translate_error(url, context.original_exception, connecting=connecting)
        if translated is not None:
            raise translated from context.original_exception

    return handle_error


def make_engine(url: str) -> Engine:
    parsed = parse_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            file_backed = parsed.database not in (None, "", ":memory:")
            engine = create_engine(
                parsed,
                connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
                # A connection is open only while it is used: the ADBC bulk loader carries
                # a second copy of SQLite, and two copies in one process on one file undo
                # each other's POSIX locks (see store.compensation.sqlite_rows), so no idle
                # pooled connection may hold the file while it runs.
                **({"poolclass": NullPool} if file_backed else {}),
            )
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            # Give up on a server that does not answer rather than hang for minutes.
            connect = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
            engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise DatabaseUnavailable(
            f"cannot use {describe_url(url)}: its driver is not installed ({exc}); "
            "use postgresql://user@host:port/database for PostgreSQL"
        ) from None
    event.listen(engine, "handle_error", _on_error(url))
    return engine


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (creating it on an empty database)."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def schema_revision(engine: Engine) -> str | None:
    if "alembic_version" not in inspect(engine).get_table_names():
        return None
    with engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return None if row is None else str(row[0])


def ensure_schema(engine: Engine) -> None:
    """Migrate only when needed: most commands find the schema current and move on."""
    if schema_revision(engine) != SCHEMA_HEAD:
        migrate(engine)
