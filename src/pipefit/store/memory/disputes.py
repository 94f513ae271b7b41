"""In-memory disputes beside an audit log, for unit tests of the dispute services."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from pipefit.domain.disputes import Dispute, DisputeStatus
from pipefit.store.memory.accounts import MemoryAudit
from pipefit.store.memory.transaction import MemoryTransaction

__all__ = ["MemoryDisputeBook", "MemoryDisputes"]


class MemoryDisputes:
    def __init__(self) -> None:
        self.kept: dict[int, Dispute] = {}

    def add(self, dispute: Dispute) -> int:
        key = len(self.kept) + 1
        self.kept[key] = replace(dispute, dispute_id=key)
        return key

    def get(self, dispute_id: int) -> Dispute | None:
        return self.kept.get(dispute_id)

    def update(self, dispute: Dispute) -> None:
        assert dispute.dispute_id is not None
        self.kept[dispute.dispute_id] = dispute

    def of_statement(self, person_id: str, period: str) -> list[Dispute]:
        return [d for d in self.kept.values() if (d.person_id, d.period) == (person_id, period)]

    def open_ones(self, people: Collection[str] | None) -> list[Dispute]:
        return [
            d
            for d in self.kept.values()
            if d.status is DisputeStatus.OPEN and (people is None or d.person_id in people)
        ]


class MemoryDisputeBook(MemoryTransaction):
    """Changes land at once; `committed` counts the commits (a refusal commits nothing)."""

    def __init__(self) -> None:
        super().__init__()
        self.disputes = MemoryDisputes()
        self.audit = MemoryAudit()
