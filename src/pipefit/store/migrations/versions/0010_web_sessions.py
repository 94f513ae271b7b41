"""Web sessions (server-side, revocable; only the hash of the cookie's secret is kept)
and failed-login counters per email and per client, shared by every worker process.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 03:10:00

"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import pipefit.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=100), nullable=True),
        sa.Column("created_at", pipefit.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", pipefit.store.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", pipefit.store.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_email"), "web_sessions", ["email"], unique=False)
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column(
            "last_failed_at", pipefit.store.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failures")),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    op.drop_index(op.f("ix_web_sessions_email"), table_name="web_sessions")
    op.drop_table("web_sessions")
