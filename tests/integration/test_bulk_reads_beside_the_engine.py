"""A bulk read through ADBC while a connection of the engine is open in the same process
(a unit of work reading the lead table, say) leaves that connection's later writes where
every other connection sees them.

ADBC's driver carries its own copy of SQLite; a writable connection of that copy, closing,
takes itself for the file's last user, checkpoints and deletes the WAL under the engine's
open connection, whose next commit then goes to a deleted file ("disk I/O error" for the
next reader, the write lost). Bulk reads therefore open the file read-only."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import text

from pipefit.config import Workspace
from pipefit.store.bulk import adbc_connection
from pipefit.store.database import make_engine


def test_a_write_after_a_bulk_read_in_the_same_process_is_seen_by_everyone(
    sqlite_workspace: Workspace,
) -> None:
    url = sqlite_workspace.database_url
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM teams")).scalar_one()
            with adbc_connection(url) as bulk:
                cursor = bulk.cursor()
                cursor.execute("SELECT count(*) FROM opportunities")
                assert cursor.fetchall() == [(0,)]
                cursor.close()
            conn.execute(
                text("INSERT INTO teams (team_id, name, source) VALUES ('T-EAST', 'East', 't')")
            )
            conn.commit()
            # Another process, as a colleague's `pipefit status` would be.
            seen = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], timeout=30); "
                    "print(c.execute('SELECT count(*) FROM teams').fetchone()[0])",
                    str(engine.url.database),
                ],
                capture_output=True,
                text=True,
            )
    finally:
        engine.dispose()
    assert (seen.returncode, seen.stdout.strip()) == (0, "1"), seen.stderr
