"""What the pay and capacity services need from storage (SQL and in-memory versions)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from pipefit.domain.credit import CreditSplit, WonDeal
from pipefit.domain.model import Person, Pool, PoolMember, Quota, Team
from pipefit.domain.quotas import QuotaChange

__all__ = ["CompensationSource"]


class CompensationSource(Protocol):
    def people(self) -> list[Person]: ...

    def teams(self) -> list[Team]: ...

    def pools(self) -> list[Pool]: ...

    def pool_members(self) -> list[PoolMember]: ...

    def quotas(self) -> list[Quota]: ...

    def quota_changes(self) -> list[QuotaChange]: ...

    def add_quota_change(self, change: QuotaChange) -> QuotaChange: ...

    def credit_splits(self) -> list[CreditSplit]: ...

    def churns(self) -> dict[str, datetime]:
        """Account id -> when the customer churned."""
        ...

    def won_deals(
        self,
        start: datetime,
        end: datetime,
        *,
        owners: Collection[str] | None = None,
        deal_ids: Collection[str] = (),
    ) -> list[WonDeal]:
        """Closed-won deals with start <= closed_at < end, in close order; if `owners` is
        given, only theirs and the `deal_ids` (one person's statement needs no more)."""
        ...
