"""What capacity planning reads: closed deals of a window (bulk, through ADBC), open deals
that name a presales engineer, and the meetings of a window. Reads only: the counts and
sums are `pipefit.analytics.capacity`'s."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, func, select

from pipefit.store import tables as t
from pipefit.store.bulk import adbc_connection
from pipefit.store.compensation import sqlite_rows, sqlite_time
from pipefit.store.database import normalise_url
from pipefit.store.history_tables import CLOSED_DEALS, MEETINGS, OPEN_DEALS

__all__ = ["SqlHistory"]

_CLOSED = """
SELECT o.owner_id, o.presales_id, o.outcome, {units} AS units, o.currency,
       o.created_at, o.closed_at, COALESCE(a.segment, 'unknown') AS segment
FROM opportunities o LEFT JOIN accounts a ON a.account_id = o.account_id
WHERE o.outcome IN ('won', 'lost') AND o.closed_at >= {start} AND o.closed_at < {end}
"""


_NAMES = (
    "owner_id",
    "presales_id",
    "outcome",
    "units",
    "currency",
    "created_at",
    "closed_at",
    "segment",
)
_TYPES = {"units": pa.int64()}


def _utc(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_timestamp(column.type):
        return column.cast(pa.timestamp("us", tz="UTC"))
    return pc.cast(column, pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))


class SqlHistory:
    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self._url = url

    @property
    def _sqlite(self) -> bool:
        return normalise_url(self._url).startswith("sqlite")

    def closed_deals(self, start: datetime, end: datetime) -> pa.Table:
        """Won and lost deals closed in [start, end): owner, presales, outcome, amount in
        1/10,000 units, currency, created and closed times, the account's segment."""
        if self._sqlite:
            # The engine's own sqlite3 connection, never ADBC's second copy of SQLite in
            # the same process (see store.compensation.sqlite_rows).
            sql = _CLOSED.format(units="COALESCE(o.amount, 0)", start="?", end="?")
            rows = sqlite_rows(self._engine, sql, (sqlite_time(start), sqlite_time(end)))
            columns = list(zip(*rows, strict=True)) if rows else [()] * len(_NAMES)
            table = pa.table(
                {
                    name: pa.array(list(values), _TYPES.get(name, pa.string()))
                    for name, values in zip(_NAMES, columns, strict=True)
                }
            )
        else:
            sql = _CLOSED.format(
                units="CAST(round(COALESCE(o.amount, 0) * 10000) AS bigint)",
                start="CAST($1 AS timestamptz)",
                end="CAST($2 AS timestamptz)",
            )
            with adbc_connection(self._url) as conn:
                cursor = conn.cursor()
                try:
                    cursor.execute(sql, (start.isoformat(), end.isoformat()))
                    table = cursor.fetch_arrow_table()
                finally:
                    cursor.close()
        for name in ("created_at", "closed_at"):
            table = table.set_column(table.column_names.index(name), name, _utc(table[name]))
        return table.select(CLOSED_DEALS.names).cast(CLOSED_DEALS)

    def latest_close(self) -> datetime | None:
        with self._engine.connect() as conn:
            value = conn.execute(select(func.max(t.opportunities.c.closed_at))).scalar()
        if value is None:
            return None
        moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def latest_activity(self) -> datetime | None:
        with self._engine.connect() as conn:
            value = conn.execute(select(func.max(t.activities.c.at))).scalar()
        if value is None:
            return None
        moment: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def open_deals(self) -> pa.Table:
        """Open deals that name a presales engineer: (presales_id, stage)."""
        o = t.opportunities
        query = select(o.c.presales_id, o.c.stage).where(
            o.c.outcome == "open", o.c.presales_id.is_not(None)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return pa.table(
            {
                "presales_id": pa.array([r[0] for r in rows], pa.string()),
                "stage": pa.array([r[1] for r in rows], pa.string()),
            },
            schema=OPEN_DEALS,
        )

    def meetings(self, kinds: Sequence[str], start: datetime, end: datetime) -> pa.Table:
        """Activities of `kinds` in [start, end) and who held them: the actor, else the
        deal's presales engineer."""
        a, o = t.activities, t.opportunities
        query = (
            select(func.coalesce(a.c.actor_id, o.c.presales_id))
            .select_from(a.outerjoin(o, o.c.opportunity_id == a.c.opportunity_id))
            .where(a.c.kind.in_(list(kinds)), a.c.at >= start, a.c.at < end)
        )
        with self._engine.connect() as conn:
            people = list(conn.execute(query).scalars())
        return pa.table({"person_id": pa.array(people, pa.string())}, schema=MEETINGS)
