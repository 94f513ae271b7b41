"""An in-memory HistorySource for unit tests of the capacity services: deals and meetings
as plain rows, handed back as the same Arrow tables the SQL reader gives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pyarrow as pa

from pipefit.store.history_tables import CLOSED_DEALS, MEETINGS, OPEN_DEALS

__all__ = ["HistoryDeal", "HistoryMeeting", "MemoryHistory"]


@dataclass(frozen=True)
class HistoryDeal:
    """One deal as the history sees it; `outcome` is "won", "lost" or "open"."""

    owner_id: str
    outcome: str
    amount: Decimal
    created_at: datetime
    closed_at: datetime | None = None
    presales_id: str | None = None
    currency: str = "USD"
    segment: str = "unknown"
    stage: str = ""


@dataclass(frozen=True)
class HistoryMeeting:
    """An activity: `actor_id` held it, else the presales engineer of its deal."""

    kind: str
    at: datetime
    actor_id: str | None = None
    deal_presales_id: str | None = None


def _units(amount: Decimal) -> int:
    return int((amount * 10000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass
class MemoryHistory:
    deals: list[HistoryDeal] = field(default_factory=list)
    meeting_list: list[HistoryMeeting] = field(default_factory=list)

    def closed_deals(self, start: datetime, end: datetime) -> pa.Table:
        chosen = [
            d
            for d in self.deals
            if d.outcome in ("won", "lost") and d.closed_at is not None
            if start <= d.closed_at < end
        ]
        return pa.Table.from_pylist(
            [
                {
                    "owner_id": d.owner_id,
                    "presales_id": d.presales_id,
                    "outcome": d.outcome,
                    "units": _units(d.amount),
                    "currency": d.currency,
                    "created_at": d.created_at,
                    "closed_at": d.closed_at,
                    "segment": d.segment,
                }
                for d in chosen
            ],
            schema=CLOSED_DEALS,
        )

    def latest_close(self) -> datetime | None:
        return max((d.closed_at for d in self.deals if d.closed_at is not None), default=None)

    def latest_activity(self) -> datetime | None:
        return max((m.at for m in self.meeting_list), default=None)

    def open_deals(self) -> pa.Table:
        rows = [
            {"presales_id": d.presales_id, "stage": d.stage}
            for d in self.deals
            if d.outcome == "open" and d.presales_id is not None
        ]
        return pa.Table.from_pylist(rows, schema=OPEN_DEALS)

    def meetings(self, kinds: Sequence[str], start: datetime, end: datetime) -> pa.Table:
        rows = [
            {"person_id": m.actor_id if m.actor_id is not None else m.deal_presales_id}
            for m in self.meeting_list
            if m.kind in kinds and start <= m.at < end
        ]
        return pa.Table.from_pylist(rows, schema=MEETINGS)
