"""The close date a CRM expects for an open deal, and the order in which stage events
were logged (`stage_events.logged`, a number that only grows) so that a copy of the log
can be brought up to date by reading only what was logged since.

Old events are numbered in (opportunity_id, seq) order. The stage log refuses updates,
so its guard is lifted for the backfill only, inside this migration's transaction.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 09:00:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pipefit.store.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The stage log's guard, as migration 0002 wrote it.
MESSAGE = "the stage log is append-only: add a new stage event instead"

BACKFILL = (
    "UPDATE stage_events SET logged = numbered.n FROM ("
    "SELECT opportunity_id, seq, row_number() OVER (ORDER BY opportunity_id, seq) AS n "
    "FROM stage_events) AS numbered "
    "WHERE stage_events.opportunity_id = numbered.opportunity_id "
    "AND stage_events.seq = numbered.seq"
)


def _backfill() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS stage_events_no_update")
        op.execute(BACKFILL)
        op.execute(
            "CREATE TRIGGER stage_events_no_update BEFORE UPDATE ON stage_events "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
        return
    op.execute("ALTER TABLE stage_events DISABLE TRIGGER stage_events_append_only")
    op.execute(BACKFILL)
    op.execute("ALTER TABLE stage_events ENABLE TRIGGER stage_events_append_only")


def upgrade() -> None:
    op.add_column(
        "opportunities",
        sa.Column("expected_close", pipefit.store.types.UtcDateTime(timezone=True), nullable=True),
    )
    op.add_column("stage_events", sa.Column("logged", sa.BigInteger(), nullable=True))
    _backfill()
    op.create_index(op.f("ix_stage_events_logged"), "stage_events", ["logged"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_stage_events_logged"), table_name="stage_events")
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): no table rebuild, triggers kept.
    op.execute("ALTER TABLE stage_events DROP COLUMN logged")
    op.execute("ALTER TABLE opportunities DROP COLUMN expected_close")
