"""Closed pay periods (pipefit comp close): who closed a period and when, and each
person's statement of it as it was paid, read back instead of recomputed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 00:30:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pipefit.store.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "period_closes",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=False),
        sa.Column("closed_at", pipefit.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("statements", sa.Integer(), nullable=False),
        sa.Column(
            "variable_pay", pipefit.store.types.Money(precision=18, scale=4), nullable=False
        ),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_period_closes")),
    )
    op.create_table(
        "closed_statements",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("closed_period", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("period", "person_id", name=op.f("pk_closed_statements")),
    )
    op.create_index(
        op.f("ix_closed_statements_closed_period"),
        "closed_statements",
        ["closed_period"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_closed_statements_closed_period"), table_name="closed_statements")
    op.drop_table("closed_statements")
    op.drop_table("period_closes")
