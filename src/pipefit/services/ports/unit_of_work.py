"""One unit of work: a transaction over every repository (cosmicpython's pattern).

    with uow:
        deal = uow.deals.get("ACME-RENEWAL-Q3")
        ...
        uow.commit()

Leaving the block without `commit()` rolls everything back, so a service that fails half
way leaves nothing behind. A unit of work is used for one block at a time; services take a
fresh one per call from the entry point (`bootstrap.App.uow()`).
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from pipefit.services.ports.accounts import AuditLog
from pipefit.services.ports.analytics import AnalyticsSource
from pipefit.services.ports.deals import DealRepository
from pipefit.services.ports.history import HistorySource
from pipefit.services.ports.imports import ImportRepository
from pipefit.services.ports.leads import LeadRepository
from pipefit.services.ports.pay import CompensationSource
from pipefit.services.ports.status import StatusSource

__all__ = ["UnitOfWork"]


class UnitOfWork(Protocol):
    # Read-only members, so that a unit of work holding concrete repositories (SqlDeals,
    # MemoryHistory, ...) matches: a plain mutable attribute would have to be declared
    # with exactly the protocol's type.
    @property
    def deals(self) -> DealRepository: ...

    @property
    def pay(self) -> CompensationSource: ...

    @property
    def history(self) -> HistorySource: ...

    @property
    def imports(self) -> ImportRepository: ...

    @property
    def status(self) -> StatusSource: ...

    @property
    def leads(self) -> LeadRepository: ...

    @property
    def analytics(self) -> AnalyticsSource: ...

    @property
    def audit(self) -> AuditLog:
        """The audit log, in this unit's transaction: a change and its record of who made
        it are kept or dropped together."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
