"""What capacity planning and the analytics need from the recorded history."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import pyarrow as pa

__all__ = ["HistorySource"]


class HistorySource(Protocol):
    def closed_deals(self, start: datetime, end: datetime) -> pa.Table: ...

    def latest_close(self) -> datetime | None: ...

    def latest_activity(self) -> datetime | None: ...

    def open_by_presales(self) -> list[tuple[str, str, int]]: ...

    def meetings_by_person(
        self, kinds: list[str], start: datetime, end: datetime
    ) -> dict[str, int]: ...
