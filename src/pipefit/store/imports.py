"""The SQL side of an import: what is stored already, and the all-or-nothing bulk load."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Engine, func, select

from pipefit.domain.imports import LoadReport
from pipefit.domain.pipeline import Pipeline
from pipefit.store.bulk import bulk_load
from pipefit.store.pipelines import load_stored_pipelines
from pipefit.store.tables import opportunities, opportunity_changes, stage_events

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


def _arrow(rows: list[Any], schema: pa.Schema) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(schema)
    return pa.table(
        [pa.array(list(values), field.type) for values, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


class SqlImports:
    """Reads an import is checked against, on the unit of work's connection."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def stored_pipelines(self) -> dict[str, Pipeline]:
        return load_stored_pipelines(self._conn)

    def known_opportunities(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        column = opportunities.c.opportunity_id
        for chunk in _chunks(ids):
            found.update(r[0] for r in self._conn.execute(select(column).where(column.in_(chunk))))
        return found

    def _empty(self) -> bool:
        return self._conn.execute(select(opportunities.c.opportunity_id).limit(1)).first() is None

    def stored_deals(self, ids: Sequence[str]) -> pa.Table:
        """The stored deals among `ids` with the seq and time of their last stage event and
        the time of their last amount or close-date change (one index lookup each)."""
        if not ids or self._empty():
            return STORED_DEALS.empty_table()
        o, e, c = opportunities, stage_events, opportunity_changes
        mine = e.c.opportunity_id == o.c.opportunity_id
        last_seq = select(func.max(e.c.seq)).where(mine).scalar_subquery()
        last_at = select(func.max(e.c.at)).where(mine).scalar_subquery()
        changed = c.c.opportunity_id == o.c.opportunity_id
        last_change = select(func.max(c.c.at)).where(changed).scalar_subquery()
        query = select(
            o.c.opportunity_id,
            o.c.pipeline,
            o.c.stage,
            o.c.amount,
            o.c.currency,
            o.c.closed_at,
            last_seq,
            last_at.label("last_at"),
            last_change.label("last_change_at"),
        )
        rows: list[Any] = []
        for chunk in _chunks(ids):
            rows.extend(self._conn.execute(query.where(o.c.opportunity_id.in_(chunk))))
        return _arrow(rows, STORED_DEALS)

    def stored_history(self, ids: Sequence[str]) -> pa.Table:
        e = stage_events
        query = select(e.c.opportunity_id, e.c.seq, e.c.to_stage, e.c.substate, e.c.at)
        rows: list[Any] = []
        for chunk in _chunks(ids):
            ordered = query.where(e.c.opportunity_id.in_(chunk)).order_by(
                e.c.opportunity_id, e.c.seq
            )
            rows.extend(self._conn.execute(ordered))
        return _arrow(rows, STORED_EVENTS)


class SqlBatchLoader:
    """`store.bulk.bulk_load` behind the import service's BatchLoader port."""

    def __init__(self, engine: Engine, url: str) -> None:
        self._engine = engine
        self._url = url

    def load(
        self,
        tables: dict[str, pa.Table],
        *,
        source: str,
        files: list[str],
        progress: Callable[[str], None] | None = None,
        before_commit: Callable[[], None] | None = None,
    ) -> LoadReport:
        # Idle pooled connections keep a SQLite file open, and SQLite leaves WAL for the
        # faster rollback journal of a big load only when no other connection holds it.
        self._engine.dispose()
        return bulk_load(
            self._url,
            tables,
            source=source,
            files=files,
            fmt=source,
            progress=progress,
            before_commit=before_commit,
        )
