"""The reads behind `status`: record counts, stage order, opportunities counted per group and
the latest stage changes. The grouping into a summary lives in `analytics.status`."""

from __future__ import annotations

import pyarrow as pa
from sqlalchemy import Connection, func, select, type_coerce

from pipefit.domain.model import StageEvent
from pipefit.store import tables as t
from pipefit.store.data_version import read as read_data_version
from pipefit.store.types import Money

__all__ = ["COUNTED", "SqlStatus"]

COUNTED = (
    "opportunities",
    "accounts",
    "people",
    "leads",
    "stage_events",
    "activities",
    "contacts",
    "teams",
    "quotas",
    "customer_outcomes",
)

GROUPS = pa.schema(
    [
        ("pipeline", pa.string()),
        ("stage", pa.string()),
        ("segment", pa.string()),
        ("outcome", pa.string()),
        ("currency", pa.string()),
        ("opportunities", pa.int64()),
        ("amount", pa.decimal128(38, 4)),
    ]
)


class SqlStatus:
    """Status reads on the unit of work's connection."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def data_version(self) -> int | None:
        return read_data_version(self._conn)

    def table_counts(self) -> dict[str, int]:
        # One statement, one round trip: a scalar count per table.
        counts = select(
            *(
                select(func.count()).select_from(getattr(t, name)).scalar_subquery().label(name)
                for name in COUNTED
            )
        )
        row = self._conn.execute(counts).one()
        return {name: int(row._mapping[name]) for name in COUNTED}

    def stage_positions(self) -> dict[tuple[str, str], int]:
        rows = self._conn.execute(select(t.stages.c.pipeline, t.stages.c.name, t.stages.c.position))
        return {(r.pipeline, r.name): int(r.position) for r in rows}

    def opportunity_groups(self) -> pa.Table:
        o, a = t.opportunities, t.accounts
        keys = (o.c.pipeline, o.c.stage, a.c.segment, o.c.outcome, o.c.currency)
        total = type_coerce(func.sum(o.c.amount), Money)
        rows = self._conn.execute(
            select(*keys, func.count(), total)
            .select_from(o.outerjoin(a, a.c.account_id == o.c.account_id))
            .group_by(*keys)
        ).all()
        names = GROUPS.names
        return pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows], GROUPS)

    def recent_changes(self, limit: int) -> list[StageEvent]:
        rows = self._conn.execute(
            select(t.stage_events).order_by(t.stage_events.c.at.desc()).limit(limit)
        )
        return [StageEvent(**{k: v for k, v in r._mapping.items() if k != "logged"}) for r in rows]
