"""opportunity changes: amount and close-date history, append-only like the stage log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pipefit.store.types


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "the history of amounts and close dates is append-only: add a new change instead"


def upgrade() -> None:
    op.create_table(
        "opportunity_changes",
        sa.Column("opportunity_id", sa.String(length=100), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("at", pipefit.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("old_amount", pipefit.store.types.Money(precision=18, scale=4), nullable=True),
        sa.Column("new_amount", pipefit.store.types.Money(precision=18, scale=4), nullable=True),
        sa.Column(
            "old_close_date", pipefit.store.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "new_close_date", pipefit.store.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint(
            "opportunity_id", "field", "at", "ordinal", name=op.f("pk_opportunity_changes")
        ),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER opportunity_changes_no_{action.lower()} BEFORE {action} "
                f"ON opportunity_changes BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION pipefit_changes_append_only() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER opportunity_changes_append_only BEFORE UPDATE OR DELETE "
        "ON opportunity_changes FOR EACH ROW EXECUTE FUNCTION pipefit_changes_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS opportunity_changes_no_update")
        op.execute("DROP TRIGGER IF EXISTS opportunity_changes_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS opportunity_changes_append_only ON opportunity_changes")
        op.execute("DROP FUNCTION IF EXISTS pipefit_changes_append_only()")
    op.drop_table("opportunity_changes")
