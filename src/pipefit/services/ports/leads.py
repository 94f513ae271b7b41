"""What the qualification services need from storage (SQL and in-memory versions)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

import pyarrow as pa

from pipefit.domain.model import CustomerOutcome
from pipefit.domain.routing import LeadDecision, Rep

__all__ = ["LaneCustomer", "LeadRepository"]

LaneCustomer = tuple[str | None, str | None, CustomerOutcome]
"""A customer's outcome with its account's industry and segment (its lane)."""


class LeadRepository(Protocol):
    def lead_table(self) -> pa.Table:
        """Every lead, oldest first, one row each with its account, contact, owner's team,
        deals and the customer its account became (the columns of `store.leads.LEAD_SCHEMA`),
        as last committed."""
        ...

    def lead_rows(
        self,
        *,
        statuses: Collection[str] | None = None,
        owners: Collection[str] | None = None,
        lead_ids: Collection[str] | None = None,
    ) -> pa.Table:
        """The rows of `lead_table` with one of `statuses`, owned by one of `owners`, among
        `lead_ids` (each when given), narrowed by the store rather than after reading."""
        ...

    def scoring_rows(
        self,
        *,
        statuses: Collection[str] | None = None,
        owners: Collection[str] | None = None,
    ) -> pa.Table:
        """What the scorecard reads (lead_id, account_id, contact_id, the lead's answers,
        the account's industry, segment and culture, the contact's is_executive and
        former_user, as in `lead_table`) of the leads with one of `statuses` owned by one
        of `owners` (each when given), in no particular order."""
        ...

    def data_as_of(self) -> datetime | None:
        """The newest moment the lead table records (leads created, deals closed,
        customers won or churned), without reading it."""
        ...

    def customers(self) -> list[LaneCustomer]: ...

    def customers_version(self) -> str | None:
        """A value that changes whenever a customer outcome or its account's lane does, for
        a reader that keeps the lanes between requests (None: read them afresh)."""
        ...

    def latest_decisions(self) -> dict[str, LeadDecision]:
        """The decision in force for each lead that has one (the newest)."""
        ...

    def decisions_for(self, lead_ids: Collection[str]) -> dict[str, LeadDecision]:
        """The decision in force for each of `lead_ids` that has one."""
        ...

    def decisions_of(self, lead_id: str | None = None, limit: int = 200) -> list[LeadDecision]:
        """The decision log, newest first (of one lead, or of all); NotFound for an
        unknown lead."""
        ...

    def rep_loads(self, *, since: datetime) -> list[Rep]:
        """Sales reps with their open deals plus the leads handed to them since `since`."""
        ...

    def save_decisions(self, decisions: Sequence[LeadDecision]) -> list[int]:
        """Record decisions, their hand-offs and the leads' new statuses; the ids, in order."""
        ...
