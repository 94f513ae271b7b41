"""What the relations need from the workspace's configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = ["AnalyticsSettings"]


@dataclass(frozen=True)
class AnalyticsSettings:
    """How amounts reach the workspace currency: `rates` says what one unit of each other
    currency is worth in `home_currency` (pipefit.toml [compensation.rates])."""

    home_currency: str = "USD"
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    # (pipeline, stage) -> forecast category, for the stages pipefit.toml maps
    forecast_categories: Mapping[tuple[str, str], str] = field(default_factory=dict)
