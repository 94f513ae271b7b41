"""The table of disputed statement lines (migration 0011)."""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from pipefit.store.account_tables import EMAIL
from pipefit.store.tables import ID, metadata
from pipefit.store.types import UtcDateTime

__all__ = ["statement_disputes"]

statement_disputes = Table(
    "statement_disputes",
    metadata,
    Column("dispute_id", Integer, primary_key=True, autoincrement=True),
    Column("person_id", String(ID), nullable=False),
    Column("period", String(10), nullable=False),
    Column("line", String(ID + 10), nullable=False),
    Column("line_text", Text, nullable=False),
    Column("note", Text, nullable=False),
    Column("raised_by", String(EMAIL), nullable=False),
    Column("raised_at", UtcDateTime, nullable=False),
    Column("status", String(10), nullable=False),
    Column("resolution", Text),
    Column("resolved_by", String(EMAIL)),
    Column("resolved_at", UtcDateTime),
    Index("ix_statement_disputes_statement", "person_id", "period"),
)
