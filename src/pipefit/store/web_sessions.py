"""Web sessions and failed-login counters in the workspace's database, so every worker
process (several on PostgreSQL) sees the same sessions and the same counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from pipefit.domain.web_sessions import FailureCount, WebSession
from pipefit.store.account_tables import login_failures, web_sessions

__all__ = ["SqlLoginFailures", "SqlSessions"]


def _session(row: Any) -> WebSession:
    m = row._mapping
    return WebSession(
        m["session_id"], m["email"], m["csrf_token"], m["created_at"], m["expires_at"],
        m["client"], m["revoked_at"],
    )  # fmt: skip


class SqlSessions:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, session: WebSession) -> None:
        self._conn.execute(
            insert(web_sessions).values(
                session_id=session.session_id, email=session.email,
                csrf_token=session.csrf_token, client=session.client,
                created_at=session.created_at, expires_at=session.expires_at,
                revoked_at=session.revoked_at,
            )
        )  # fmt: skip

    def get(self, session_id: str) -> WebSession | None:
        row = self._conn.execute(
            select(web_sessions).where(web_sessions.c.session_id == session_id)
        ).first()
        return _session(row) if row is not None else None

    def revoke(self, session_id: str, at: datetime) -> None:
        self._conn.execute(
            update(web_sessions)
            .where(web_sessions.c.session_id == session_id, web_sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def revoke_all(self, email: str, at: datetime) -> int:
        done = self._conn.execute(
            update(web_sessions)
            .where(web_sessions.c.email == email, web_sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return int(done.rowcount)


class SqlLoginFailures:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def get(self, key: str) -> FailureCount | None:
        row = self._conn.execute(select(login_failures).where(login_failures.c.key == key)).first()
        return FailureCount(row.key, row.failures, row.last_failed_at) if row else None

    def _bump(self, key: str, at: datetime, forget_before: datetime) -> bool:
        # One statement: two workers counting the same key at once both count.
        t = login_failures.c
        done = self._conn.execute(
            update(login_failures)
            .where(t.key == key, t.last_failed_at >= forget_before)
            .values(failures=t.failures + 1, last_failed_at=at)
        )
        return bool(done.rowcount)

    def record(self, key: str, at: datetime, *, forget_before: datetime) -> FailureCount:
        if not self._bump(key, at, forget_before):
            self._conn.execute(
                delete(login_failures).where(
                    login_failures.c.key == key, login_failures.c.last_failed_at < forget_before
                )
            )
            try:
                with self._conn.begin_nested():
                    self._conn.execute(
                        insert(login_failures).values(key=key, failures=1, last_failed_at=at)
                    )
            except IntegrityError:  # another worker counted the first failure meanwhile
                self._bump(key, at, forget_before)
        found = self.get(key)
        assert found is not None
        return found

    def clear(self, key: str) -> None:
        self._conn.execute(delete(login_failures).where(login_failures.c.key == key))
