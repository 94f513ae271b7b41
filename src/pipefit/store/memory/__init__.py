"""In-memory fakes of every repository and of the unit of work, for unit tests of the
services. They keep what a test gives them in plain lists and dicts; `committed` counts
commits so a test can tell that a service kept (or did not keep) its changes."""

from __future__ import annotations

from pipefit.domain.pipeline import Pipeline
from pipefit.store.memory.accounts import MemoryAudit
from pipefit.store.memory.analytics import MemoryAnalytics
from pipefit.store.memory.deals import MemoryDeals
from pipefit.store.memory.history import MemoryHistory
from pipefit.store.memory.imports import MemoryImports
from pipefit.store.memory.leads import MemoryLeads
from pipefit.store.memory.pay import MemoryCompensation
from pipefit.store.memory.status import MemoryStatus
from pipefit.store.memory.transaction import MemoryTransaction

__all__ = ["MemoryUnitOfWork"]


class MemoryUnitOfWork(MemoryTransaction):
    def __init__(
        self,
        pipelines: dict[str, Pipeline] | None = None,
        *,
        deals: MemoryDeals | None = None,
        pay: MemoryCompensation | None = None,
        imports: MemoryImports | None = None,
        status: MemoryStatus | None = None,
        leads: MemoryLeads | None = None,
        history: MemoryHistory | None = None,
        analytics: MemoryAnalytics | None = None,
        audit: MemoryAudit | None = None,
    ) -> None:
        super().__init__()
        self.deals = deals or MemoryDeals(pipelines or {})
        self.pay = pay or MemoryCompensation()
        self.imports = imports or MemoryImports()
        self.status = status or MemoryStatus()
        self.leads = leads or MemoryLeads()
        self.history = history or MemoryHistory()
        self.analytics = analytics or MemoryAnalytics()
        self.audit = audit or MemoryAudit()

    def commit(self) -> None:
        super().commit()
        if self.status.version is not None:
            self.status.version += 1
