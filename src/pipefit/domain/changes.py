"""A change of a deal's amount or close date, as CRMs keep them beside the stage history
(Salesforce's OpportunityHistory and OpportunityFieldHistory, HubSpot's property history).

Stage moves are stage events; these are the other changes forecasting and the pipeline
waterfall read: what a deal was worth, and when it was due to close, at any time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

__all__ = ["ChangedField", "DealChange"]


class ChangedField(StrEnum):
    AMOUNT = "amount"
    CLOSE_DATE = "close_date"


@dataclass(frozen=True)
class DealChange:
    """At `at`, the deal's `field` became the new value (None: cleared).

    The old value is None when the source did not say it (HubSpot keeps only the values a
    property took) or when the field was empty before. An amount is in `currency`."""

    opportunity_id: str
    field: ChangedField
    at: datetime
    old_amount: Decimal | None = None
    new_amount: Decimal | None = None
    old_close_date: datetime | None = None
    new_close_date: datetime | None = None
    currency: str | None = None
    source: str = "pipefit"
    ordinal: int = 1  # 1, 2, ... among changes of this field at the same time

    @property
    def old(self) -> Decimal | datetime | None:
        return self.old_amount if self.field is ChangedField.AMOUNT else self.old_close_date

    @property
    def new(self) -> Decimal | datetime | None:
        return self.new_amount if self.field is ChangedField.AMOUNT else self.new_close_date
