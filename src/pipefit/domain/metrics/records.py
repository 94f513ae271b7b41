"""The plain records the oracles read: a deal and a stage event as the relations hold them
(as of the moment a report is about), a quota and a customer's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["CustomerRecord", "DealRecord", "EventRecord", "QuotaRecord"]

OPEN, WON, LOST = "open", "won", "lost"


@dataclass(frozen=True)
class DealRecord:
    opportunity_id: str
    outcome: str  # open, won, lost
    created_at: datetime
    closed_at: datetime | None = None
    amount_home: float | None = None  # null: no amount, or no rate for its currency
    expected_close: datetime | None = None
    pipeline: str = "default"
    stage: str = ""
    owner_id: str | None = None
    presales_id: str | None = None
    team_id: str | None = None
    account_id: str | None = None
    segment: str | None = None


@dataclass(frozen=True)
class EventRecord:
    opportunity_id: str
    seq: int
    pipeline: str
    to_stage: str
    at: datetime


@dataclass(frozen=True)
class QuotaRecord:
    owner_kind: str  # person, pool
    owner_id: str
    period_start: datetime
    period_end: datetime  # exclusive
    amount_home: float


@dataclass(frozen=True)
class CustomerRecord:
    account_id: str
    won_at: datetime
    churned_at: datetime | None = None
    expanded: bool | None = None
    revenue_home: float | None = None  # lifetime revenue so far
    margin_home: float | None = None
    industry: str | None = None
    segment: str | None = None
