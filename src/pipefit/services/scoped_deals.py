"""Deal use cases for a login: list, read and move deals with the access policy applied
below the query (the store filters; nothing outside the scope is read into a page or a
count). A deal the login may not see is "not found", exactly as an unknown one, so its
existence does not leak. Moves write the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.clock import Clock, utc_now
from pipefit.domain.deal_pages import SORTS, DealPage, DealPageQuery
from pipefit.domain.errors import ConflictError, GateRefused, NotFound, PipefitError
from pipefit.domain.forecast_category import ForecastOverride
from pipefit.domain.gate_report import missing_evidence
from pipefit.domain.model import Activity, Opportunity, clean_id
from pipefit.domain.pipeline import Move
from pipefit.domain.users import AuditEntry
from pipefit.services.deals import (
    DealHistory,
    StaleVersion,
    _stage_names,
    add_activity,
    advance_stage,
    check_version,
    deal_history,
    edit_opportunity,
    set_forecast_category,
)
from pipefit.services.pages import MAX_PAGE, check_limit, decode_cursor, encode_cursor, parse_sort
from pipefit.services.ports.accounts import AccountsUnitOfWork
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = [
    "MAX_PAGE",
    "DealListing",
    "MoveRefused",
    "VersionRequired",
    "add_deal_activity",
    "deal_activities",
    "edit_deal",
    "list_deals",
    "move_deal",
    "override_forecast",
    "read_deal",
]


class MoveRefused(GateRefused):
    """A refused move, with the missing evidence as data for machines."""

    def __init__(
        self, message: str, *, field: str | None = None, missing: list[dict[str, Any]]
    ) -> None:
        super().__init__(message, field=field)
        self.missing = missing


class VersionRequired(PipefitError):
    """A change sent without the version it was decided on."""


@dataclass(frozen=True)
class DealListing:
    page: DealPage
    next_cursor: str | None


def list_deals(
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    *,
    owner: str | None = None,
    stage: str | None = None,
    segment: str | None = None,
    sort: str = "opportunity_id",
    cursor: str | None = None,
    limit: int = 50,
) -> DealListing:
    """One page of the deals the login may see, filtered and sorted; `next_cursor` fetches
    the next page (None on the last)."""
    check_limit(limit, "deals")
    key, descending = parse_sort(sort, SORTS, "deals")
    order = f"deals:{'-' if descending else ''}{key}"
    who = clean_id(owner, field="owner", what="an owner's person id") if owner else None
    stages = None
    if stage is not None:
        with uow:
            stages = frozenset(_stage_names(uow.deals.pipelines(), stage))
    query = DealPageQuery(
        owners=scope.deal_owners,
        presales=scope.deal_presales,
        owner=who,
        stages=stages,
        segment=segment.strip() if segment else None,
        sort=key,
        descending=descending,
        after=decode_cursor(cursor, order, time=key == "created_at") if cursor else None,
        limit=limit,
    )
    with accounts:
        page = accounts.deal_pages.page(query)
    next_cursor = None
    if page.more and page.opportunities:
        last = page.opportunities[-1]
        value = last.created_at.isoformat() if key == "created_at" else last.opportunity_id
        next_cursor = encode_cursor(order, value, last.opportunity_id)
    return DealListing(page, next_cursor)


def _seen(uow: UnitOfWork, scope: AccessScope, opportunity_id: str) -> Opportunity:
    """The deal, if the login may see it; else the very error an unknown id gets."""
    deal_id = clean_id(opportunity_id, field="opportunity.id", what="an opportunity id")
    with uow:
        opportunity = uow.deals.get(deal_id)
    if not scope.sees_deal(opportunity.owner_id, opportunity.presales_id):
        raise NotFound(f"no opportunity '{deal_id}'")
    return opportunity


def read_deal(
    uow: UnitOfWork, scope: AccessScope, opportunity_id: str, *, clock: Clock = utc_now
) -> DealHistory:
    """A deal with its timeline and evidence, if the login may see it."""
    opportunity = _seen(uow, scope, opportunity_id)
    return deal_history(uow, opportunity.opportunity_id, clock=clock)


def _state(o: Opportunity) -> dict[str, Any]:
    return {
        "stage": o.stage,
        "substate": o.substate,
        "outcome": str(o.outcome),
        "version": o.version,
    }


def _changeable(uow: UnitOfWork, scope: AccessScope, opportunity_id: str) -> Opportunity:
    """The deal, if the login may change it: unseen is not found, seen only is denied."""
    opportunity = _seen(uow, scope, opportunity_id)
    if not scope.edits_deal(opportunity.owner_id, opportunity.presales_id):
        raise AccessDenied(
            f"{scope.principal.email} may read {opportunity.opportunity_id} but not change it"
        )
    return opportunity


def _current(uow: UnitOfWork, deal_id: str, lost: ConflictError) -> StaleVersion:
    """A change that lost a race (the deal was written meanwhile) as a stale version,
    with the version the deal is at now."""
    if isinstance(lost, StaleVersion):
        return lost
    with uow:
        now = uow.deals.get(deal_id).version
    return StaleVersion(lost.message, current=now)


def _required(version: int | None) -> int:
    if version is None:
        raise VersionRequired(
            "send the deal's version as you read it (If-Match, or a version field): a "
            "change made meanwhile by someone else must not be overwritten unseen",
            field="version",
        )
    return version


def move_deal(
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    opportunity_id: str,
    target: str,
    *,
    expected_version: int | None = None,
    substate: str | None = None,
    reason: str | None = None,
    at: datetime | None = None,
    clock: Clock = utc_now,
    version_required: bool = False,
) -> Move:
    """Move a deal the login may change, through the same gates as everywhere; a stale
    `expected_version` is a conflict (a missing one too, when `version_required`). The
    move and its audit entry are written in one transaction."""
    del accounts  # the audit log is written in the move's own unit of work
    opportunity = _changeable(uow, scope, opportunity_id)
    deal_id = opportunity.opportunity_id
    if version_required:
        _required(expected_version)
    check_version(opportunity, expected_version)
    actor = scope.principal.person_id or scope.principal.email[:100]
    now = clock()

    def audit(before: Opportunity, move: Move) -> AuditEntry:
        return AuditEntry(
            scope.principal.email, now, "opportunity.move", deal_id,
            _state(before), _state(move.opportunity),
        )  # fmt: skip

    try:
        return advance_stage(
            uow, deal_id, target, at=at, substate=substate, actor_id=actor, reason=reason,
            clock=lambda: now, expected_version=expected_version, audit=audit,
        )  # fmt: skip
    except ConflictError as lost:
        raise _current(uow, deal_id, lost) from None
    except GateRefused as refused:
        with uow:
            evidence = uow.deals.activities(deal_id)
            pipeline = uow.deals.pipelines().get(opportunity.pipeline)
            lead = uow.deals.lead_readiness(opportunity)
        missing = (
            missing_evidence(pipeline, opportunity, target, evidence, at or now, lead)
            if pipeline is not None
            else []
        )
        raise MoveRefused(refused.message, field=refused.field, missing=missing) from None


def edit_deal(
    uow: UnitOfWork,
    scope: AccessScope,
    opportunity_id: str,
    *,
    expected_version: int | None,
    changes: dict[str, object],
    clock: Clock = utc_now,
) -> Opportunity:
    """Change a deal's name, amount or product: only a login that may change the deal,
    only with the version it read (a stale one is a conflict), written with its audit
    entry in one transaction."""
    opportunity = _changeable(uow, scope, opportunity_id)
    version = _required(expected_version)

    def audit(before: Opportunity, after: Opportunity) -> AuditEntry:
        return AuditEntry(
            scope.principal.email, clock(), "opportunity.edit", before.opportunity_id,
            {k: _plain(getattr(before, k)) for k in (*sorted(changes), "version")},
            {k: _plain(getattr(after, k)) for k in (*sorted(changes), "version")},
        )  # fmt: skip

    try:
        return edit_opportunity(
            uow, opportunity.opportunity_id, expected_version=version, changes=changes,
            audit=audit,
        )  # fmt: skip
    except ConflictError as lost:
        raise _current(uow, opportunity.opportunity_id, lost) from None


def _plain(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value


def override_forecast(
    uow: UnitOfWork,
    scope: AccessScope,
    opportunity_id: str,
    category: str,
    *,
    expected_version: int | None,
    note: str | None = None,
    clock: Clock = utc_now,
) -> tuple[ForecastOverride, int]:
    """Set a deal's forecast category by hand (who: the login's person, else its email),
    only with the version read; the override and the deal's new version."""
    opportunity = _changeable(uow, scope, opportunity_id)
    version = _required(expected_version)
    actor = scope.principal.person_id or scope.principal.email[:100]

    def audit(before: Opportunity, made: ForecastOverride) -> AuditEntry:
        return AuditEntry(
            scope.principal.email, made.at, "opportunity.forecast_category",
            before.opportunity_id, {"version": before.version},
            {"category": made.category, "note": made.note, "version": before.version + 1},
        )  # fmt: skip

    try:
        made = set_forecast_category(
            uow, opportunity.opportunity_id, category, actor_id=actor, note=note, clock=clock,
            expected_version=version, audit=audit,
        )  # fmt: skip
    except ConflictError as lost:
        raise _current(uow, opportunity.opportunity_id, lost) from None
    return made, version + 1


def deal_activities(uow: UnitOfWork, scope: AccessScope, opportunity_id: str) -> list[Activity]:
    """The activities of a deal the login may see, oldest first."""
    opportunity = _seen(uow, scope, opportunity_id)
    with uow:
        found = uow.deals.activities(opportunity.opportunity_id)
    return sorted(found, key=lambda a: (a.at, a.activity_id))


def add_deal_activity(
    uow: UnitOfWork,
    scope: AccessScope,
    opportunity_id: str,
    kind: str,
    *,
    at: datetime | None = None,
    purpose: str | None = None,
    by: str | None = None,
    note: str | None = None,
    clock: Clock = utc_now,
) -> Activity:
    """Record evidence on a deal the login may change (by: the login's person), written
    with its audit entry in one transaction."""
    opportunity = _changeable(uow, scope, opportunity_id)
    actor = scope.principal.person_id or scope.principal.email[:100]

    def audit(activity: Activity) -> AuditEntry:
        return AuditEntry(
            scope.principal.email, clock(), "opportunity.activity",
            opportunity.opportunity_id, None,
            {"activity_id": activity.activity_id, "kind": activity.kind,
             "at": activity.at.isoformat(), "purpose": activity.purpose, "by": activity.by},
        )  # fmt: skip

    return add_activity(
        uow, opportunity.opportunity_id, kind, at=at, purpose=purpose, by=by,
        actor_id=actor, note=note, clock=clock, audit=audit,
    )  # fmt: skip
