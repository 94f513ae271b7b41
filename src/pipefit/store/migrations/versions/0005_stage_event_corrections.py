"""Corrections of the stage log: an admin's true time or void for a logged event, kept
beside the log, append-only like it (the database refuses updates and deletes).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 17:00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pipefit.store.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "corrections of the stage log are append-only: log a new correction instead"


def upgrade() -> None:
    op.create_table(
        "stage_event_corrections",
        sa.Column("opportunity_id", sa.String(length=100), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("corrects_seq", sa.Integer(), nullable=False),
        sa.Column("at", pipefit.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("void", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.String(length=100), nullable=True),
        sa.Column("recorded_at", pipefit.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("opportunity_id", "seq", name=op.f("pk_stage_event_corrections")),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER stage_event_corrections_no_{action.lower()} BEFORE {action} "
                f"ON stage_event_corrections BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION pipefit_corrections_append_only() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER stage_event_corrections_append_only BEFORE UPDATE OR DELETE "
        "ON stage_event_corrections "
        "FOR EACH ROW EXECUTE FUNCTION pipefit_corrections_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(
            "DROP TRIGGER IF EXISTS stage_event_corrections_append_only "
            "ON stage_event_corrections"
        )
        op.execute("DROP FUNCTION IF EXISTS pipefit_corrections_append_only()")
    op.drop_table("stage_event_corrections")
