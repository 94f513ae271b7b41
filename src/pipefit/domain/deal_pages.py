"""A page of deals as a list asks for it: the access filter, the user's filters, the order
and where the previous page ended; and what comes back."""

from __future__ import annotations

from dataclasses import dataclass

from pipefit.domain.model import Opportunity

__all__ = ["SORTS", "DealPage", "DealPageQuery"]

SORTS = ("opportunity_id", "created_at")


@dataclass(frozen=True)
class DealPageQuery:
    """`owners` None: every deal; else deals owned by one of `owners` or supported by one
    of `presales` (the access filter, applied before anything else). `after` is the last
    row of the previous page: its sort value (an id, or a time in ISO 8601) and its id."""

    owners: frozenset[str] | None
    presales: frozenset[str] = frozenset()
    owner: str | None = None
    stages: frozenset[str] | None = None
    segment: str | None = None
    sort: str = "opportunity_id"
    descending: bool = False
    after: tuple[str, str] | None = None
    limit: int = 50


@dataclass(frozen=True)
class DealPage:
    opportunities: list[Opportunity]
    total: int  # every deal the filters match, within the access filter
    more: bool
