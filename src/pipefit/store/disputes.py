"""Disputed statement lines and the audit log on one connection and one transaction
(`SqlDisputeBook`, the SQL `DisputesUnitOfWork`)."""

from __future__ import annotations

from collections.abc import Collection
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, Engine, insert, select, update

from pipefit.domain.disputes import Dispute, DisputeStatus
from pipefit.store.accounts import SqlAudit
from pipefit.store.dispute_tables import statement_disputes as t

__all__ = ["SqlDisputeBook", "SqlDisputes"]


def _dispute(row: Any) -> Dispute:
    m = row._mapping
    return Dispute(
        m["dispute_id"], m["person_id"], m["period"], m["line"], m["line_text"], m["note"],
        m["raised_by"], m["raised_at"], DisputeStatus(m["status"]), m["resolution"],
        m["resolved_by"], m["resolved_at"],
    )  # fmt: skip


def _values(d: Dispute) -> dict[str, Any]:
    return {
        "person_id": d.person_id, "period": d.period, "line": d.line, "line_text": d.line_text,
        "note": d.note, "raised_by": d.raised_by, "raised_at": d.raised_at,
        "status": str(d.status), "resolution": d.resolution, "resolved_by": d.resolved_by,
        "resolved_at": d.resolved_at,
    }  # fmt: skip


class SqlDisputes:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, dispute: Dispute) -> int:
        done = self._conn.execute(insert(t).values(**_values(dispute)))
        key = done.inserted_primary_key
        assert key is not None
        return int(key[0])

    def get(self, dispute_id: int) -> Dispute | None:
        row = self._conn.execute(select(t).where(t.c.dispute_id == dispute_id)).first()
        return _dispute(row) if row is not None else None

    def update(self, dispute: Dispute) -> None:
        self._conn.execute(
            update(t).where(t.c.dispute_id == dispute.dispute_id).values(**_values(dispute))
        )

    def of_statement(self, person_id: str, period: str) -> list[Dispute]:
        query = (
            select(t)
            .where(t.c.person_id == person_id, t.c.period == period)
            .order_by(t.c.dispute_id)
        )
        return [_dispute(r) for r in self._conn.execute(query)]

    def open_ones(self, people: Collection[str] | None) -> list[Dispute]:
        query = select(t).where(t.c.status == str(DisputeStatus.OPEN))
        if people is not None:
            query = query.where(t.c.person_id.in_(sorted(people)))
        return [_dispute(r) for r in self._conn.execute(query.order_by(t.c.dispute_id))]


class SqlDisputeBook:
    """`with book:` begins a transaction; `commit()` keeps it; leaving rolls back."""

    disputes: SqlDisputes
    audit: SqlAudit

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("a unit of work is used for one block at a time")
        self._connection = self._engine.connect()
        self._connection.begin()
        self.disputes = SqlDisputes(self._connection)
        self.audit = SqlAudit(self._connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if connection.in_transaction():
                connection.rollback()
        finally:
            connection.close()

    def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("the unit of work is not open: use it in a `with` block")
        self._connection.commit()
        self._connection.begin()
