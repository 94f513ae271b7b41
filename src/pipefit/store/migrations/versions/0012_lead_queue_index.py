"""Indexes for the lead queue: leads by status and owner (the queue narrows to the leads
waiting, of the login's people), leads by creation and deals by lead and close (the
newest moment the data records, which the lanes are judged as of, from two index ends
rather than two table scans; a page's deal counts without reading every deal).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 04:30:00

"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_leads_status_owner", "leads", ["status", "owner_id"])
    op.create_index("ix_leads_created_at", "leads", ["created_at"])
    op.create_index("ix_opportunities_lead_id", "opportunities", ["lead_id", "closed_at"])


def downgrade() -> None:
    op.drop_index("ix_opportunities_lead_id", table_name="opportunities")
    op.drop_index("ix_leads_created_at", table_name="leads")
    op.drop_index("ix_leads_status_owner", table_name="leads")
