"""Accounts, contacts, leads and hand-offs for a login: lists a page at a time (filters,
a stable sort, an opaque cursor) and single records, with the access policy applied in the
query (the store filters; nothing outside the scope is read into a page or a count). A
record the login may not see is "not found", word for word as an unknown one.

Accounts and contacts carry no owner: a login sees those of the deals and leads it sees."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipefit.domain.access import AccessScope
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.record_pages import LISTINGS, Listing, RecordPage, RecordQuery, Visibility
from pipefit.services.pages import check_limit, decode_cursor, encode_cursor, parse_sort
from pipefit.services.ports.accounts import AccountsUnitOfWork

__all__ = ["RecordListing", "get_record", "list_records"]

WHAT = {"accounts": "account", "contacts": "contact", "leads": "lead", "handoffs": "hand-off"}


@dataclass(frozen=True)
class RecordListing:
    page: RecordPage
    next_cursor: str | None


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def list_records(
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    name: str,
    *,
    filters: Mapping[str, str | None],
    sort: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> RecordListing:
    """One page of the `name` records ("accounts", "contacts", "leads", "handoffs") the
    login may see, filtered (exact values; None: no filter) and sorted."""
    listing = LISTINGS[name]
    check_limit(limit, name)
    key, descending = parse_sort(sort or listing.sorts[0], listing.sorts, name)
    order = f"{name}:{'-' if descending else ''}{key}"
    wanted = _filters(listing, filters)
    query = RecordQuery(
        listing,
        Visibility.of(scope),
        wanted,
        sort=key,
        descending=descending,
        after=decode_cursor(cursor, order, time=key in listing.times) if cursor else None,
        limit=limit,
    )
    with accounts:
        page = accounts.records.page(query)
    next_cursor = None
    if page.more and page.rows:
        last = page.rows[-1]
        next_cursor = encode_cursor(order, _text(last[key]), str(last[listing.key]))
    return RecordListing(page, next_cursor)


def _filters(listing: Listing, filters: Mapping[str, str | None]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for field, value in filters.items():
        if value is None:
            continue
        if field not in listing.filters and field != listing.key:
            raise PipefitError(
                f"{listing.name} filter on {', '.join(listing.filters)}; not '{field}'",
                field=field,
            )
        if not value.strip():
            raise PipefitError(f"the filter {field} is empty: give a value", field=field)
        kept[field] = value.strip()
    return kept


def get_record(
    accounts: AccountsUnitOfWork, scope: AccessScope, name: str, record_id: str
) -> dict[str, Any]:
    """One record the login may see; else the very error an unknown id gets."""
    listing = LISTINGS[name]
    wanted = record_id.strip()
    if not wanted:
        raise PipefitError(f"give {WHAT[name]} id", field=f"{WHAT[name]}.id")
    query = RecordQuery(listing, Visibility.of(scope), {listing.key: wanted}, limit=1)
    with accounts:
        page = accounts.records.page(query)
    if not page.rows:
        raise NotFound(f"no {WHAT[name]} '{wanted}'", field=f"{WHAT[name]}.id")
    return page.rows[0]
