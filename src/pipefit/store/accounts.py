"""Logins, tokens, web sessions, the audit log and access-filtered pages of deals, on one connection
and one transaction (`SqlAccounts`, the SQL `AccountsUnitOfWork`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, false, func, insert, or_, select
from sqlalchemy import update as sql_update

from pipefit.domain.deal_pages import DealPage, DealPageQuery
from pipefit.domain.model import Category, Opportunity
from pipefit.domain.users import ApiToken, AuditEntry, Scope, User, UserRole
from pipefit.store.account_tables import api_tokens, audit_log, users
from pipefit.store.board import SqlBoard
from pipefit.store.deals import OPPORTUNITY_FIELDS
from pipefit.store.records import SqlRecords
from pipefit.store.tables import accounts, opportunities
from pipefit.store.transaction import SqlTransaction
from pipefit.store.web_sessions import SqlLoginFailures, SqlSessions

__all__ = ["SqlAccounts", "SqlAudit", "SqlDealPages", "SqlUsers"]


def _user(row: Any) -> User:
    m = row._mapping
    return User(
        m["email"], UserRole(m["role"]), m["person_id"], m["created_at"],
        password_hash=m["password_hash"], disabled=bool(m["disabled"]),
    )  # fmt: skip


def _token(row: Any) -> ApiToken:
    m = row._mapping
    return ApiToken(
        m["token_id"], m["email"], Scope(m["scope"]), m["token_hash"], m["created_at"],
        m["revoked_at"],
    )  # fmt: skip


class SqlUsers:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def get(self, email: str) -> User | None:
        row = self._conn.execute(select(users).where(users.c.email == email)).first()
        return _user(row) if row is not None else None

    def all(self) -> list[User]:
        return [_user(r) for r in self._conn.execute(select(users).order_by(users.c.email))]

    def add(self, user: User) -> None:
        self._conn.execute(insert(users).values(**_user_values(user)))

    def update(self, user: User) -> None:
        values = _user_values(user)
        self._conn.execute(sql_update(users).where(users.c.email == user.email).values(**values))

    def add_token(self, token: ApiToken) -> None:
        self._conn.execute(
            insert(api_tokens).values(
                token_id=token.token_id, email=token.email, scope=str(token.scope),
                token_hash=token.token_hash, created_at=token.created_at,
                revoked_at=token.revoked_at,
            )
        )  # fmt: skip

    def token(self, token_id: str) -> ApiToken | None:
        row = self._conn.execute(
            select(api_tokens).where(api_tokens.c.token_id == token_id)
        ).first()
        return _token(row) if row is not None else None

    def tokens(self, email: str) -> list[ApiToken]:
        query = (
            select(api_tokens).where(api_tokens.c.email == email).order_by(api_tokens.c.created_at)
        )
        return [_token(r) for r in self._conn.execute(query)]

    def revoke_token(self, token_id: str, at: datetime) -> None:
        self._conn.execute(
            sql_update(api_tokens).where(api_tokens.c.token_id == token_id).values(revoked_at=at)
        )


def _user_values(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "role": str(user.role),
        "person_id": user.person_id,
        "password_hash": user.password_hash,
        "disabled": user.disabled,
        "created_at": user.created_at,
    }


class SqlAudit:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def append(self, entry: AuditEntry) -> None:
        self._conn.execute(
            insert(audit_log).values(
                actor=entry.actor, at=entry.at, action=entry.action, target=entry.target,
                before=entry.before, after=entry.after,
            )
        )  # fmt: skip

    def entries(self, *, limit: int = 100) -> list[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.entry_id.desc()).limit(limit)
        return [
            AuditEntry(r.actor, r.at, r.action, r.target, r.before, r.after)
            for r in self._conn.execute(query)
        ]


class SqlDealPages:
    """Deals a page at a time, the access filter in the WHERE clause, so neither the rows
    nor the total can include a deal outside it."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def page(self, query: DealPageQuery) -> DealPage:
        o = opportunities.c
        conditions: list[ColumnElement[bool]] = []
        if query.owners is not None:
            allowed: list[ColumnElement[bool]] = []
            if query.owners:
                allowed.append(o.owner_id.in_(sorted(query.owners)))
            if query.presales:
                allowed.append(o.presales_id.in_(sorted(query.presales)))
            conditions.append(or_(*allowed) if allowed else false())
        if query.owner is not None:
            conditions.append(o.owner_id == query.owner)
        if query.stages is not None:
            conditions.append(o.stage.in_(sorted(query.stages)))
        if query.segment is not None:
            conditions.append(
                o.account_id.in_(
                    select(accounts.c.account_id).where(accounts.c.segment == query.segment)
                )
            )
        where = and_(*conditions) if conditions else None
        counted = select(func.count()).select_from(opportunities)
        total = self._conn.execute(
            counted.where(where) if where is not None else counted
        ).scalar_one()
        key = o.created_at if query.sort == "created_at" else o.opportunity_id
        rows = select(opportunities)
        if where is not None:
            rows = rows.where(where)
        if query.after is not None:
            value: Any = query.after[0]
            if query.sort == "created_at":
                value = datetime.fromisoformat(value)
            last_id = query.after[1]
            if query.descending:
                rows = rows.where(or_(key < value, and_(key == value, o.opportunity_id < last_id)))
            else:
                rows = rows.where(or_(key > value, and_(key == value, o.opportunity_id > last_id)))
        order = (
            (key.desc(), o.opportunity_id.desc()) if query.descending else (key, o.opportunity_id)
        )
        found = list(self._conn.execute(rows.order_by(*order).limit(query.limit + 1)))
        deals = [_opportunity(r) for r in found[: query.limit]]
        return DealPage(deals, int(total), more=len(found) > query.limit)


def _opportunity(row: Any) -> Opportunity:
    data = {k: v for k, v in row._mapping.items() if k in OPPORTUNITY_FIELDS}
    data["outcome"] = Category(data["outcome"])
    return Opportunity(**data)


class SqlAccounts(SqlTransaction):
    """`with accounts:` begins a transaction; `commit()` keeps it; leaving rolls back."""

    def _bind(self, connection: Connection) -> None:
        self.users = SqlUsers(connection)
        self.audit = SqlAudit(connection)
        self.deal_pages = SqlDealPages(connection)
        self.sessions = SqlSessions(connection)
        self.login_failures = SqlLoginFailures(connection)
        self.board = SqlBoard(connection)
        self.records = SqlRecords(connection)
