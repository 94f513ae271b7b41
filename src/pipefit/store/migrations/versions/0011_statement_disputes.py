"""Disputed statement lines: who disputed which line of whose statement, with a note, and
how a comp admin resolved it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 03:30:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pipefit.store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statement_disputes",
        sa.Column("dispute_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("line", sa.String(length=110), nullable=False),
        sa.Column("line_text", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=254), nullable=False),
        sa.Column("raised_at", pipefit.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=254), nullable=True),
        sa.Column("resolved_at", pipefit.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("dispute_id", name=op.f("pk_statement_disputes")),
    )
    op.create_index(
        "ix_statement_disputes_statement", "statement_disputes", ["person_id", "period"]
    )


def downgrade() -> None:
    op.drop_index("ix_statement_disputes_statement", table_name="statement_disputes")
    op.drop_table("statement_disputes")
