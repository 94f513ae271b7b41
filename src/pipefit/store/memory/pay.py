"""An in-memory CompensationSource for unit tests of the pay services."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from pipefit.domain.closes import PeriodClose, statement_record
from pipefit.domain.credit import CreditSplit, WonDeal
from pipefit.domain.model import Person, Pool, PoolMember, Quota, Team
from pipefit.domain.quotas import QuotaChange
from pipefit.domain.spiffs import DealTraits
from pipefit.domain.statements import Statement, statement_from_record

__all__ = ["MemoryCompensation"]


@dataclass
class MemoryCompensation:
    people_list: list[Person] = field(default_factory=list)
    team_list: list[Team] = field(default_factory=list)
    pool_list: list[Pool] = field(default_factory=list)
    member_list: list[PoolMember] = field(default_factory=list)
    quota_list: list[Quota] = field(default_factory=list)
    change_list: list[QuotaChange] = field(default_factory=list)
    split_list: list[CreditSplit] = field(default_factory=list)
    churn_map: dict[str, datetime] = field(default_factory=dict)
    deal_list: list[WonDeal] = field(default_factory=list)
    traits_map: dict[str, DealTraits] = field(default_factory=dict)
    close_list: list[PeriodClose] = field(default_factory=list)
    # (period, person) -> the statement as a record, as the database keeps it
    closed_map: dict[tuple[str, str], dict[str, object]] = field(default_factory=dict)

    def period_closes(self) -> list[PeriodClose]:
        return sorted(self.close_list, key=lambda c: c.closed.start)

    def closed_statements(self, person_id: str | None = None) -> list[Statement]:
        return [
            statement_from_record(record)
            for (_, person), record in self.closed_map.items()
            if person_id is None or person == person_id
        ]

    def add_period_close(self, close: PeriodClose, statements: Sequence[Statement]) -> None:
        self.close_list.append(close)
        for s in statements:
            self.closed_map[(s.period.label, s.person_id)] = statement_record(s)

    def people(self) -> list[Person]:
        return list(self.people_list)

    def teams(self) -> list[Team]:
        return list(self.team_list)

    def pools(self) -> list[Pool]:
        return list(self.pool_list)

    def pool_members(self) -> list[PoolMember]:
        return list(self.member_list)

    def quotas(self) -> list[Quota]:
        return list(self.quota_list)

    def quota_changes(self) -> list[QuotaChange]:
        return list(self.change_list)

    def add_quota_change(self, change: QuotaChange) -> QuotaChange:
        stored = replace(change, change_id=len(self.change_list) + 1)
        self.change_list.append(stored)
        return stored

    def credit_splits(self) -> list[CreditSplit]:
        return list(self.split_list)

    def churns(self) -> dict[str, datetime]:
        return dict(self.churn_map)

    def won_deals(
        self,
        start: datetime,
        end: datetime,
        *,
        owners: Collection[str] | None = None,
        deal_ids: Collection[str] = (),
    ) -> list[WonDeal]:
        chosen = [
            d
            for d in self.deal_list
            if start <= d.closed_at < end
            and (owners is None or d.owner_id in owners or d.opportunity_id in deal_ids)
        ]
        return sorted(chosen, key=lambda d: (d.closed_at, d.opportunity_id))

    def deal_traits(self, start: datetime, end: datetime) -> dict[str, DealTraits]:
        return {
            d.opportunity_id: self.traits_map.get(d.opportunity_id, DealTraits())
            for d in self.deal_list
            if start <= d.closed_at < end
        }
