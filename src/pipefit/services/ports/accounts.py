"""What the user, token, audit and scoped-list services need from storage: the logins
(`UserRepository`), the audit log (`AuditLog`), pages of deals filtered below the query
(`DealPages`), all in one transaction (`AccountsUnitOfWork`); and a password hasher."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from pipefit.domain.board import BoardDeal, BoardQuery, ColumnFigures, ColumnKey, DealParties
from pipefit.domain.deal_pages import DealPage, DealPageQuery
from pipefit.domain.model import Lead
from pipefit.domain.record_pages import RecordPage, RecordQuery
from pipefit.domain.users import ApiToken, AuditEntry, User
from pipefit.domain.web_sessions import FailureCount, WebSession

__all__ = [
    "AccountsUnitOfWork",
    "AuditLog",
    "BoardReader",
    "DealPage",
    "DealPageQuery",
    "DealPages",
    "LoginFailures",
    "PasswordHasher",
    "RecordPages",
    "SessionRepository",
    "UserRepository",
]


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, encoded: str, password: str) -> bool:
        """Whether `password` matches; False (never an error) when it does not."""
        ...


class UserRepository(Protocol):
    def get(self, email: str) -> User | None: ...

    def all(self) -> list[User]: ...

    def add(self, user: User) -> None: ...

    def update(self, user: User) -> None: ...

    def add_token(self, token: ApiToken) -> None: ...

    def token(self, token_id: str) -> ApiToken | None: ...

    def tokens(self, email: str) -> list[ApiToken]: ...

    def revoke_token(self, token_id: str, at: datetime) -> None: ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None: ...

    def entries(self, *, limit: int = 100) -> list[AuditEntry]:
        """The latest entries, newest first."""
        ...


class SessionRepository(Protocol):
    """Web sessions, by the hash of their secret."""

    def add(self, session: WebSession) -> None: ...

    def get(self, session_id: str) -> WebSession | None: ...

    def revoke(self, session_id: str, at: datetime) -> None: ...

    def revoke_all(self, email: str, at: datetime) -> int:
        """Revoke every active session of a login; how many were."""
        ...


class LoginFailures(Protocol):
    """Failed logins per key (an email, a client), shared by every worker process."""

    def get(self, key: str) -> FailureCount | None: ...

    def record(self, key: str, at: datetime, *, forget_before: datetime) -> FailureCount:
        """One more failure (the count starts again if the last was before
        `forget_before`), counted atomically so concurrent workers lose none."""
        ...

    def clear(self, key: str) -> None: ...


class DealPages(Protocol):
    def page(self, query: DealPageQuery) -> DealPage: ...


class BoardReader(Protocol):
    """Open deals within the access filter, for the board: figures per column, the cards
    to draw, and the filters' choices."""

    def figures(self, query: BoardQuery) -> list[ColumnFigures]: ...

    def oldest(
        self, query: BoardQuery, per_column: int, columns: Sequence[ColumnKey]
    ) -> list[BoardDeal]:
        """The `per_column` oldest open deals of each of `columns` (pipeline, segment,
        stage), by creation then id, in id order."""
        ...

    def choices(self, query: BoardQuery) -> tuple[list[str], list[str], list[str]]:
        """Owners, presales engineers and segments of the open deals seen (sorted)."""
        ...

    def parties(self, account_id: str | None) -> DealParties: ...


class RecordPages(Protocol):
    def page(self, query: RecordQuery) -> RecordPage:
        """Accounts, contacts, leads or hand-offs, filtered by the login's visibility."""
        ...

    def add_lead(self, lead: Lead) -> None:
        """A new lead; ConflictError when its id is taken."""
        ...


class AccountsUnitOfWork(Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def deal_pages(self) -> DealPages: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def login_failures(self) -> LoginFailures: ...

    @property
    def board(self) -> BoardReader: ...

    @property
    def records(self) -> RecordPages: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...
