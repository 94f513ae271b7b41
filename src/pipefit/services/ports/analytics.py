"""What reports need from storage: the relations of `analytics.relations` as Arrow."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

import pyarrow as pa

from pipefit.analytics.engine import Source
from pipefit.analytics.settings import AnalyticsSettings

__all__ = ["AnalyticsSettings", "AnalyticsSource"]


class AnalyticsSource(Protocol):
    def relations(
        self, settings: AnalyticsSettings, names: Collection[str] | None = None
    ) -> dict[str, pa.Table]:
        """The relations of `analytics.relations.RELATIONS` named in `names` (every one
        when None), full history, with those columns: `events` is the effective stage log
        (corrections applied), `deals` and `quotas` carry `amount_home` (null where no
        rate is known)."""
        ...

    def sources(
        self, settings: AnalyticsSettings, names: Collection[str] | None = None
    ) -> dict[str, Source]:
        """The same relations, each as an Arrow table or as Parquet files holding it
        (the store's columnar copy, which the engine reads without loading it whole)."""
        ...

    def notes(self) -> list[str]:
        """What the last `relations` call could not do as usual (a columnar copy that
        could not be written, ...), for the report's notes."""
        ...
