"""What the web pages read beyond a page of deals: the open deals a login may see with
their account's segment (the board), and a deal's account and buying committee."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, false, func, or_, select

from pipefit.domain.board import BoardDeal, BoardQuery, ColumnFigures, ColumnKey, DealParties
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

    @staticmethod
    def _where(query: BoardQuery, *, filters: bool = True) -> list[ColumnElement[bool]]:
        """Open deals within the access filter (in the WHERE clause, so no count or card
        can include a deal outside it), and the board's filters."""
        o = opportunities.c
        where: list[ColumnElement[bool]] = [o.outcome == str(Category.OPEN)]
        if query.owners is not None:
            allowed: list[ColumnElement[bool]] = []
            if query.owners:
                allowed.append(o.owner_id.in_(sorted(query.owners)))
            if query.presales:
                allowed.append(o.presales_id.in_(sorted(query.presales)))
            where.append(or_(*allowed) if allowed else false())
        if filters and query.owner:
            where.append(o.owner_id == query.owner)
        if filters and query.presales_id:
            where.append(o.presales_id == query.presales_id)
        if filters and query.segment:
            where.append(accounts.c.segment == query.segment)
        return where

    _JOINED = opportunities.outerjoin(accounts, accounts.c.account_id == opportunities.c.account_id)

    def figures(self, query: BoardQuery) -> list[ColumnFigures]:
        o = opportunities.c
        segment = accounts.c.segment
        rows = self._conn.execute(
            select(
                o.pipeline, segment, o.stage, o.currency, func.count().label("n"),
                func.count(o.amount).label("priced"), func.sum(o.amount).label("amount"),
            )
            .select_from(self._JOINED)
            .where(*self._where(query))
            .group_by(o.pipeline, segment, o.stage, o.currency)
        )  # fmt: skip
        return [
            ColumnFigures(
                r.pipeline, r.segment, r.stage, r.currency, int(r.n), int(r.priced),
                r.amount if r.amount is not None else Decimal(0),
            )
            for r in rows
        ]  # fmt: skip

    def oldest(
        self, query: BoardQuery, per_column: int, columns: Sequence[ColumnKey]
    ) -> list[BoardDeal]:
        """The `per_column` oldest open deals of each column (pipeline, segment, stage):
        those likeliest to have been there longest, to draw as cards. One query a column,
        read in order of creation (index ix_opportunities_column) and stopped at the cards
        it draws, rather than every open deal ranked at once. A login that sees only some
        deals (a rep, a manager) reads them by owner (ix_opportunities_owner_id) and ranks
        those: fewer rows than a column's."""
        if query.owners is not None:
            return self._ranked(query, per_column)
        o = opportunities.c
        found: list[BoardDeal] = []
        for pipeline, segment, stage in columns:
            in_segment = (
                accounts.c.segment.is_(None) if segment is None else accounts.c.segment == segment
            )
            rows = self._conn.execute(
                select(opportunities, accounts.c.segment.label("account_segment"))
                .select_from(self._JOINED)
                .where(*self._where(query), o.pipeline == pipeline, o.stage == stage, in_segment)
                .order_by(o.created_at, o.opportunity_id)
                .limit(per_column)
            )
            found += [BoardDeal(_opportunity(r._mapping), r.account_segment) for r in rows]
        return sorted(found, key=lambda d: d.opportunity.opportunity_id)

    def _ranked(self, query: BoardQuery, per_column: int) -> list[BoardDeal]:
        o = opportunities.c
        rank = (
            func.row_number()
            .over(
                partition_by=(o.pipeline, accounts.c.segment, o.stage),
                order_by=(o.created_at, o.opportunity_id),
            )
            .label("rank")
        )
        ranked = (
            select(opportunities, accounts.c.segment.label("account_segment"), rank)
            .select_from(self._JOINED)
            .where(*self._where(query))
            .subquery()
        )
        rows = self._conn.execute(
            select(ranked).where(ranked.c.rank <= per_column).order_by(ranked.c.opportunity_id)
        )
        return [BoardDeal(_opportunity(r._mapping), r.account_segment) for r in rows]

    def choices(self, query: BoardQuery) -> tuple[list[str], list[str], list[str]]:
        """The owners, presales engineers and segments of the open deals the access
        filter lets through (the filters' choices: nothing the login may not see)."""
        o = opportunities.c
        where = self._where(query, filters=False)

        def distinct(column: Any) -> list[str]:
            found = self._conn.execute(
                select(column).select_from(self._JOINED).where(*where, column.is_not(None))
                .distinct()
            )  # fmt: skip
            return sorted(str(v) for (v,) in found)

        return distinct(o.owner_id), distinct(o.presales_id), distinct(accounts.c.segment)

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
