"""Numbering stage events in the order they are logged (`stage_events.logged`).

Every writer of the stage log takes its numbers here, after the largest one stored. On
SQLite one writer at a time is the rule already. On PostgreSQL a transaction-scoped
advisory lock makes writers of the log take their turn from the moment they number
their events until they commit, so numbers become visible in the order they were given:
a reader that holds every event up to N and reads `logged > N` misses none (a sequence
would not promise that: a smaller number can commit after a larger one is read).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select, text

from pipefit.store.tables import stage_events

__all__ = ["STAGE_LOG_LOCK_KEY", "claim_logged", "claim_logged_raw"]

# pg_advisory_xact_lock's key for "numbering stage events": b"stagelog" as an integer.
STAGE_LOG_LOCK_KEY = int.from_bytes(b"stagelog", "big")
_TOP = "SELECT coalesce(max(logged), 0) FROM stage_events"


def claim_logged(conn: Connection) -> int:
    """The number for the next event logged in this transaction."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock({STAGE_LOG_LOCK_KEY})"))
    top = conn.execute(select(func.coalesce(func.max(stage_events.c.logged), 0))).scalar()
    return int(top or 0) + 1


def claim_logged_raw(cursor: Any, *, sqlite: bool) -> int:
    """The same, on a raw DB-API cursor (the bulk loader's): the first of the numbers
    for the events it writes, which it takes in a row."""
    if not sqlite:
        cursor.execute(f"SELECT pg_advisory_xact_lock({STAGE_LOG_LOCK_KEY})")
        cursor.fetchall()
    cursor.execute(_TOP)
    return int(cursor.fetchone()[0] or 0) + 1
