"""What the web pages read beyond a page of deals: the open deals a login may see with
their account's segment (the board), and a deal's account and buying committee."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import ColumnElement, Connection, false, or_, select

from pipefit.domain.board import BoardDeal, DealParties
from pipefit.domain.model import Account, Category, Contact, Opportunity
from pipefit.store.deals import OPPORTUNITY_FIELDS
from pipefit.store.tables import accounts, contacts, opportunities

__all__ = ["SqlBoard"]

_ACCOUNT = frozenset(f.name for f in fields(Account))
_CONTACT = frozenset(f.name for f in fields(Contact))


def _opportunity(m: Any) -> Opportunity:
    data = {k: v for k, v in m.items() if k in OPPORTUNITY_FIELDS}
    data["outcome"] = Category(data["outcome"])
    return Opportunity(**data)


class SqlBoard:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def open_deals(
        self, owners: frozenset[str] | None, presales: frozenset[str]
    ) -> list[BoardDeal]:
        """Open deals owned by one of `owners` or supported by one of `presales` (every
        open deal when `owners` is None): the access filter is in the WHERE clause."""
        o = opportunities.c
        query = (
            select(opportunities, accounts.c.segment.label("account_segment"))
            .select_from(opportunities.outerjoin(accounts, accounts.c.account_id == o.account_id))
            .where(o.outcome == str(Category.OPEN))
        )
        if owners is not None:
            allowed: list[ColumnElement[bool]] = []
            if owners:
                allowed.append(o.owner_id.in_(sorted(owners)))
            if presales:
                allowed.append(o.presales_id.in_(sorted(presales)))
            query = query.where(or_(*allowed) if allowed else false())
        rows = self._conn.execute(query.order_by(o.opportunity_id))
        return [BoardDeal(_opportunity(r._mapping), r.account_segment) for r in rows]

    def parties(self, account_id: str | None) -> DealParties:
        if account_id is None:
            return DealParties(None, [])
        row = self._conn.execute(
            select(accounts).where(accounts.c.account_id == account_id)
        ).first()
        account = (
            Account(**{k: v for k, v in row._mapping.items() if k in _ACCOUNT}) if row else None
        )
        people = self._conn.execute(
            select(contacts)
            .where(contacts.c.account_id == account_id, contacts.c.on_buying_committee)
            .order_by(contacts.c.name, contacts.c.contact_id)
        )
        committee = [
            Contact(**{k: v for k, v in r._mapping.items() if k in _CONTACT}) for r in people
        ]
        return DealParties(account, committee)
