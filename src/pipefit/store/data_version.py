"""The data version (table `data_version`, one row): a number every write of data moves
in the write's own transaction, so whatever was computed from the data at version n is
still right while the version reads n (`services.kept`). Moved by every unit of work's
commit, by an import and by a lead added from the web; the web sessions, the audit log and
the disputes do not move it (none of them is data a page computes from)."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from pipefit.store.tables import data_version

__all__ = ["BUMP_SQL", "bump", "read"]

# For the import's raw DB-API cursor (store.bulk), which writes outside SQLAlchemy.
BUMP_SQL = "UPDATE data_version SET version = version + 1 WHERE id = 1"


def bump(connection: Connection) -> None:
    connection.execute(
        update(data_version)
        .where(data_version.c.id == 1)
        .values(version=data_version.c.version + 1)
    )


def read(connection: Connection) -> int | None:
    """The version now; None for a database without the row (nothing may be kept)."""
    found = connection.execute(select(data_version.c.version).where(data_version.c.id == 1))
    value = found.scalar()
    return int(value) if value is not None else None
