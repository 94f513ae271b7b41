"""What the dispute services need from storage: the disputes (`DisputeRepository`) and
the audit log, in one transaction (`DisputesUnitOfWork`), so that a dispute and its audit
entry are kept together or not at all."""

from __future__ import annotations

from collections.abc import Collection
from types import TracebackType
from typing import Protocol, Self

from pipefit.domain.disputes import Dispute
from pipefit.services.ports.accounts import AuditLog

__all__ = ["DisputeRepository", "DisputesUnitOfWork"]


class DisputeRepository(Protocol):
    def add(self, dispute: Dispute) -> int:
        """Keep a new dispute; its id."""
        ...

    def get(self, dispute_id: int) -> Dispute | None: ...

    def update(self, dispute: Dispute) -> None: ...

    def of_statement(self, person_id: str, period: str) -> list[Dispute]:
        """A statement's disputes, oldest first."""
        ...

    def open_ones(self, people: Collection[str] | None) -> list[Dispute]:
        """Open disputes of these people's statements (None: everyone's), oldest first."""
        ...


class DisputesUnitOfWork(Protocol):
    @property
    def disputes(self) -> DisputeRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...
