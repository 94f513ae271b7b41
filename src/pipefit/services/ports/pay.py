"""What the pay and capacity services need from the world: the stored records
(`CompensationSource`, SQL and in-memory versions) and somewhere to put a pay run's files
(`StatementWriter`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from pipefit.domain.closes import PeriodClose
from pipefit.domain.credit import CreditSplit, WonDeal
from pipefit.domain.model import Person, Pool, PoolMember, Quota, Team
from pipefit.domain.quotas import QuotaChange
from pipefit.domain.spiffs import DealTraits
from pipefit.domain.statements import Statement

__all__ = ["CompensationSource", "Skipped", "StatementWriter"]

Skipped = tuple[str, str, str]  # person, role, why they could not be paid


class CompensationSource(Protocol):
    def people(self) -> list[Person]: ...

    def teams(self) -> list[Team]: ...

    def pools(self) -> list[Pool]: ...

    def pool_members(self) -> list[PoolMember]: ...

    def quotas(self) -> list[Quota]: ...

    def quota_changes(self) -> list[QuotaChange]: ...

    def add_quota_change(self, change: QuotaChange) -> QuotaChange: ...

    def credit_splits(self) -> list[CreditSplit]: ...

    def period_closes(self) -> list[PeriodClose]:
        """Every closed pay period, earliest first."""
        ...

    def closed_statements(self, person_id: str | None = None) -> list[Statement]:
        """The statements kept when their periods were closed (one person's, or all)."""
        ...

    def add_period_close(self, close: PeriodClose, statements: Sequence[Statement]) -> None:
        """Keep a close and its statements (committed with the unit of work)."""
        ...

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

    def deal_traits(self, start: datetime, end: datetime) -> dict[str, DealTraits]:
        """Deal id -> segment, product and new logo, for deals won with start <= closed_at
        < end (a new logo: its account's first won deal)."""
        ...


class StatementWriter(Protocol):
    """Keeps a pay run's statements as files: a summary, every line, pages to read."""

    def write(
        self,
        folder: Path,
        statements: Sequence[Statement],
        skipped: Sequence[Skipped],
        *,
        html: bool = True,
    ) -> list[Path]:
        """Write the run into `folder` (made if missing); return the files written."""
        ...
