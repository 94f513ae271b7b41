"""What capacity planning and the analytics need from the recorded history.

Reads only, as Arrow tables (their columns are below; `store.history_tables` holds the
exact schemas); the counts and sums are `pipefit.analytics.capacity`'s."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import pyarrow as pa

__all__ = ["HistorySource"]


class HistorySource(Protocol):
    def closed_deals(self, start: datetime, end: datetime) -> pa.Table:
        """Won and lost deals closed in [start, end): owner_id, presales_id, outcome,
        units (the amount in 1/10,000 of its currency), currency, created_at and
        closed_at (UTC), segment (the account's, "unknown" without one)."""
        ...

    def latest_close(self) -> datetime | None: ...

    def latest_activity(self) -> datetime | None: ...

    def open_deals(self) -> pa.Table:
        """Open deals that name a presales engineer: presales_id, stage."""
        ...

    def meetings(self, kinds: Sequence[str], start: datetime, end: datetime) -> pa.Table:
        """Activities of `kinds` held in [start, end): person_id (the actor, else the
        deal's presales engineer; null when neither)."""
        ...
