"""The tables of logins, API tokens and the audit log (migration 0008), web sessions and
failed-login counters (0010)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, String, Table, Text

from pipefit.store.tables import ID, metadata
from pipefit.store.types import UtcDateTime

__all__ = ["api_tokens", "audit_log", "login_failures", "users", "web_sessions"]

EMAIL = 254

users = Table(
    "users",
    metadata,
    Column("email", String(EMAIL), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("person_id", String(ID)),
    Column("password_hash", Text),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UtcDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(20), primary_key=True),
    Column("email", String(EMAIL), nullable=False, index=True),
    Column("scope", String(10), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("actor", String(EMAIL), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", Text, nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Index("ix_audit_log_at", "at"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("email", String(EMAIL), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("client", String(100)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("key", String(300), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", UtcDateTime, nullable=False),
)
