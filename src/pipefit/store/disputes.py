"""Disputed statement lines and the audit log on one connection and one transaction
(`SqlDisputeBook`, the SQL `DisputesUnitOfWork`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Connection, insert, select, update

from pipefit.domain.disputes import Dispute, DisputeStatus
from pipefit.store.accounts import SqlAudit
from pipefit.store.dispute_tables import statement_disputes as t
from pipefit.store.transaction import SqlTransaction

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


class SqlDisputeBook(SqlTransaction):
    """`with book:` begins a transaction; `commit()` keeps it; leaving rolls back."""

    disputes: SqlDisputes
    audit: SqlAudit

    def _bind(self, connection: Connection) -> None:
        self.disputes = SqlDisputes(connection)
        self.audit = SqlAudit(connection)
