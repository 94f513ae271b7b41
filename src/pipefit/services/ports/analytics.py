"""What reports need from storage: the relations of `analytics.relations` as Arrow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

import pyarrow as pa

__all__ = ["AnalyticsSettings", "AnalyticsSource"]


@dataclass(frozen=True)
class AnalyticsSettings:
    """How amounts reach the workspace currency: `rates` says what one unit of each other
    currency is worth in `home_currency` (pipefit.toml [compensation.rates])."""

    home_currency: str = "USD"
    rates: Mapping[str, Decimal] = field(default_factory=dict)


class AnalyticsSource(Protocol):
    def relations(self, settings: AnalyticsSettings) -> dict[str, pa.Table]:
        """Every relation of `analytics.relations.RELATIONS`, full history, with those
        columns: `events` is the effective stage log (corrections applied), `deals` and
        `quotas` carry `amount_home` (null where no rate is known)."""
        ...

    def notes(self) -> list[str]:
        """What the last `relations` call could not do as usual (a columnar copy that
        could not be written, ...), for the report's notes."""
        ...
