"""Pages of records other than deals (accounts, contacts, leads, hand-offs) as a list asks
for them: what the access policy lets the login see, the caller's filters, a stable order
and where the previous page ended; and what comes back.

Each list names the fields it sorts and filters on (`LISTINGS`): the API documents them,
the services refuse any other, and the store maps them to columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipefit.domain.access import AccessScope

__all__ = ["LISTINGS", "Listing", "RecordPage", "RecordQuery", "Visibility"]


@dataclass(frozen=True)
class Listing:
    """A list's shape: its id field (the order's tie-breaker, unique with any sort), the
    fields it sorts on (the first is the default; `times` among them are timestamps) and
    those it filters on (an exact value each)."""

    name: str
    key: str
    sorts: tuple[str, ...]
    filters: tuple[str, ...]
    times: frozenset[str] = frozenset()


LISTINGS: dict[str, Listing] = {
    "accounts": Listing(
        "accounts", "account_id", ("account_id", "name"), ("segment", "industry", "region")
    ),
    "contacts": Listing("contacts", "contact_id", ("contact_id", "name"), ("account_id",)),
    "leads": Listing(
        "leads",
        "lead_id",
        ("lead_id", "created_at"),
        ("status", "owner_id", "account_id", "lead_source"),
        times=frozenset({"created_at"}),
    ),
    # A lead is handed off once at a given time: (at, lead_id) is unique.
    "handoffs": Listing(
        "handoffs", "lead_id", ("at",), ("lead_id", "to_id", "from_id"), times=frozenset({"at"})
    ),
}


@dataclass(frozen=True)
class Visibility:
    """The rows a login sees, as sets of people (None: every row). A lead is seen when one
    of `lead_owners` owns it or was handed it. Accounts and contacts carry no owner: they
    are seen through the deals and leads that are."""

    deal_owners: frozenset[str] | None
    deal_presales: frozenset[str] = frozenset()
    lead_owners: frozenset[str] | None = None

    @classmethod
    def of(cls, scope: AccessScope) -> Visibility:
        return cls(scope.deal_owners, scope.deal_presales, scope.lead_owners)

    @property
    def everything(self) -> bool:
        return self.deal_owners is None and self.lead_owners is None


@dataclass(frozen=True)
class RecordQuery:
    """`after` is the last row of the previous page: its sort value (text; a time in ISO
    8601) and its id."""

    listing: Listing
    visibility: Visibility
    filters: Mapping[str, str] = field(default_factory=dict)
    sort: str = ""
    descending: bool = False
    after: tuple[str, str] | None = None
    limit: int = 50


@dataclass(frozen=True)
class RecordPage:
    rows: list[dict[str, Any]]  # each row's fields as stored (plain values)
    total: int  # every row the filters match, within what the login sees
    more: bool
