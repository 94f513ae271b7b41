"""What a report answers: its records, the definitions of its figures, and notes on what
the data could not support. Plain values only (numbers, ISO dates, ids): the presenters
(`views`) turn them into tables for people, JSON and CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

__all__ = ["ReportResult"]


@dataclass(frozen=True)
class ReportResult:
    name: str  # the report's name, as `pipefit report NAME` spells it
    rows: pa.Table  # one record per group (or per stage, pair, period, ...)
    summary: dict[str, Any] = field(default_factory=dict)  # headline figures, all groups
    definitions: dict[str, str] = field(default_factory=dict)  # figure -> how it is computed
    notes: list[str] = field(default_factory=list)  # what the data could not support
