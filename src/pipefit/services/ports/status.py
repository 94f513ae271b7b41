"""What the workspace status needs from storage: counts and grouped opportunity rows."""

from __future__ import annotations

from typing import Protocol

import pyarrow as pa

from pipefit.domain.model import StageEvent

__all__ = ["StatusSource"]


class StatusSource(Protocol):
    def data_version(self) -> int | None:
        """A number every write of data moves (in the write's transaction); None when the
        store keeps none, and then nothing computed from the data may be kept."""
        ...

    def table_counts(self) -> dict[str, int]:
        """Rows per kind of record (opportunities, accounts, people, ...)."""
        ...

    def stage_positions(self) -> dict[tuple[str, str], int]:
        """(pipeline, stage) -> the stage's place in its pipeline."""
        ...

    def opportunity_groups(self) -> pa.Table:
        """One row per (pipeline, stage, segment, outcome, currency) that has deals, with
        columns of those names (segment null when a deal has no account) and
        `opportunities` (int64, how many) and `amount` (decimal, their summed amounts)."""
        ...

    def recent_changes(self, limit: int) -> list[StageEvent]:
        """The latest stage changes, newest first."""
        ...
