"""An in-memory StatusSource: the status reads, given as plain values by a test."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from pipefit.domain.model import StageEvent

__all__ = ["MemoryStatus"]


@dataclass
class MemoryStatus:
    counts: dict[str, int] = field(default_factory=dict)
    positions: dict[tuple[str, str], int] = field(default_factory=dict)
    groups: pa.Table | None = None
    events: list[StageEvent] = field(default_factory=list)
    version: int | None = None  # the unit of work's commit moves it when a test sets it

    def data_version(self) -> int | None:
        return self.version

    def table_counts(self) -> dict[str, int]:
        return dict(self.counts)

    def stage_positions(self) -> dict[tuple[str, str], int]:
        return dict(self.positions)

    def opportunity_groups(self) -> pa.Table:
        if self.groups is None:
            raise ValueError("give MemoryStatus the grouped opportunities it should return")
        return self.groups

    def recent_changes(self, limit: int) -> list[StageEvent]:
        return sorted(self.events, key=lambda e: e.at, reverse=True)[:limit]
