"""The relations reports read, handed over as a test gives them (missing ones empty)."""

from __future__ import annotations

from collections.abc import Collection

import pyarrow as pa

from pipefit.analytics.relations import RELATIONS
from pipefit.analytics.settings import AnalyticsSettings

__all__ = ["MemoryAnalytics"]


class MemoryAnalytics:
    def __init__(self, relations: dict[str, pa.Table] | None = None) -> None:
        self.tables = dict(relations or {})
        self.reads = 0  # how many times the relations were asked for
        self.settings: AnalyticsSettings | None = None

    def relations(self, settings: AnalyticsSettings) -> dict[str, pa.Table]:
        self.reads += 1
        self.settings = settings
        return {
            name: self.tables.get(name, schema.empty_table()) for name, schema in RELATIONS.items()
        }

    def sources(
        self, settings: AnalyticsSettings, names: Collection[str] | None = None
    ) -> dict[str, pa.Table]:
        return self.relations(settings)

    def notes(self) -> list[str]:
        return []
