"""Forecast categories set by hand on a deal, with who and when (pipefit opportunity
forecast-category); kept in order, the latest at or before a moment in force.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 12:00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pipefit.store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecast_overrides",
        sa.Column("opportunity_id", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("at", pipefit.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("opportunity_id", "seq", name=op.f("pk_forecast_overrides")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("forecast_overrides")
