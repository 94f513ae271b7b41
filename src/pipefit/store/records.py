"""Accounts, contacts, leads and hand-offs a page at a time, with the access filter in the
WHERE clause (so neither the rows nor the total can include a record outside it); and a
new lead written by hand."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Table,
    and_,
    false,
    func,
    insert,
    or_,
    select,
    true,
)
from sqlalchemy.exc import IntegrityError

from pipefit.domain.errors import ConflictError
from pipefit.domain.model import Lead
from pipefit.domain.record_pages import RecordPage, RecordQuery, Visibility
from pipefit.store.data_version import bump as bump_data_version
from pipefit.store.tables import accounts, contacts, handoffs, leads, opportunities

__all__ = ["SqlRecords"]

TABLES: dict[str, Table] = {
    "accounts": accounts,
    "contacts": contacts,
    "leads": leads,
    "handoffs": handoffs,
}


def _in(column: Any, people: frozenset[str]) -> ColumnElement[bool]:
    return column.in_(sorted(people)) if people else false()


def _seen_deals(v: Visibility) -> ColumnElement[bool]:
    o = opportunities.c
    if v.deal_owners is None:
        return true()
    return or_(_in(o.owner_id, v.deal_owners), _in(o.presales_id, v.deal_presales))


def _seen_leads(v: Visibility) -> ColumnElement[bool]:
    """Leads owned by the login's people, or handed off to one of them (a lead qualified
    by presales becomes the rep's when handed over)."""
    if v.lead_owners is None:
        return true()
    handed = select(handoffs.c.lead_id).where(_in(handoffs.c.to_id, v.lead_owners))
    return or_(_in(leads.c.owner_id, v.lead_owners), leads.c.lead_id.in_(handed))


def _seen_accounts(v: Visibility) -> CompoundSelect[Any]:
    """The accounts of the deals and leads the login sees."""
    by_deal = select(opportunities.c.account_id).where(_seen_deals(v))
    by_lead = select(leads.c.account_id).where(_seen_leads(v))
    return by_deal.union(by_lead)


def _visible(name: str, v: Visibility) -> ColumnElement[bool] | None:
    if v.everything:
        return None
    if name == "accounts":
        return accounts.c.account_id.in_(_seen_accounts(v))
    if name == "contacts":
        return or_(
            contacts.c.account_id.in_(_seen_accounts(v)),
            contacts.c.contact_id.in_(select(leads.c.contact_id).where(_seen_leads(v))),
        )
    if name == "leads":
        return _seen_leads(v)
    # hand-offs: of a lead the login sees, or to someone whose leads it sees
    to_seen = true() if v.lead_owners is None else _in(handoffs.c.to_id, v.lead_owners)
    return or_(handoffs.c.lead_id.in_(select(leads.c.lead_id).where(_seen_leads(v))), to_seen)


class SqlRecords:
    """Works on one connection; the caller owns the transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def page(self, query: RecordQuery) -> RecordPage:
        listing = query.listing
        table = TABLES[listing.name]
        c = table.c
        conditions: list[ColumnElement[bool]] = []
        seen = _visible(listing.name, query.visibility)
        if seen is not None:
            conditions.append(seen)
        conditions += [c[name] == value for name, value in sorted(query.filters.items())]
        where = and_(*conditions) if conditions else None
        counted = select(func.count()).select_from(table)
        total = self._conn.execute(
            counted.where(where) if where is not None else counted
        ).scalar_one()
        key, tie = c[query.sort or listing.sorts[0]], c[listing.key]
        rows = select(table)
        if where is not None:
            rows = rows.where(where)
        if query.after is not None:
            value: Any = query.after[0]
            if (query.sort or listing.sorts[0]) in listing.times:
                value = datetime.fromisoformat(value)
            last = query.after[1]
            if key is tie:
                rows = rows.where(key < last if query.descending else key > last)
            elif query.descending:
                rows = rows.where(or_(key < value, and_(key == value, tie < last)))
            else:
                rows = rows.where(or_(key > value, and_(key == value, tie > last)))
        order = (key.desc(), tie.desc()) if query.descending else (key, tie)
        found = list(self._conn.execute(rows.order_by(*order).limit(query.limit + 1)))
        return RecordPage(
            [dict(r._mapping) for r in found[: query.limit]], int(total), len(found) > query.limit
        )

    def add_lead(self, lead: Lead) -> None:
        values = asdict(lead)
        values["lead_source"] = values.pop("source")
        values["status"] = str(lead.status)
        try:
            self._conn.execute(insert(leads).values(**values, source="pipefit"))
        except IntegrityError as exc:
            raise ConflictError(f"lead '{lead.lead_id}' already exists", field="lead.id") from exc
        bump_data_version(self._conn)
