"""The stage log is append-only: the database itself refuses updates and deletes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "the stage log is append-only: add a new stage event instead"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER stage_events_no_{action.lower()} BEFORE {action} ON stage_events "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION pipefit_stage_log_append_only() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER stage_events_append_only BEFORE UPDATE OR DELETE ON stage_events "
        "FOR EACH ROW EXECUTE FUNCTION pipefit_stage_log_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS stage_events_no_update")
        op.execute("DROP TRIGGER IF EXISTS stage_events_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS stage_events_append_only ON stage_events")
    op.execute("DROP FUNCTION IF EXISTS pipefit_stage_log_append_only()")
