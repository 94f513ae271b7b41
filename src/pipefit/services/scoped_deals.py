"""Deal use cases for a login: list, read and move deals with the access policy applied
below the query (the store filters; nothing outside the scope is read into a page or a
count). A deal the login may not see is "not found", exactly as an unknown one, so its
existence does not leak. Moves write the audit log."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.clock import Clock, utc_now
from pipefit.domain.deal_pages import SORTS, DealPage, DealPageQuery
from pipefit.domain.errors import ConflictError, GateRefused, NotFound, PipefitError
from pipefit.domain.gate_report import missing_evidence
from pipefit.domain.model import Opportunity, clean_id
from pipefit.domain.pipeline import Move
from pipefit.domain.users import AuditEntry
from pipefit.services.deals import DealHistory, _stage_names, advance_stage, deal_history
from pipefit.services.ports.accounts import AccountsUnitOfWork
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = [
    "MAX_PAGE",
    "DealListing",
    "MoveRefused",
    "list_deals",
    "move_deal",
    "read_deal",
]

MAX_PAGE = 500


class MoveRefused(GateRefused):
    """A refused move, with the missing evidence as data for machines."""

    def __init__(
        self, message: str, *, field: str | None = None, missing: list[dict[str, Any]]
    ) -> None:
        super().__init__(message, field=field)
        self.missing = missing


@dataclass(frozen=True)
class DealListing:
    page: DealPage
    next_cursor: str | None


def _encode(after: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(after)).encode()).decode()


def _decode(cursor: str) -> tuple[str, str]:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise PipefitError("the cursor is not one this list handed out", field="cursor")
    return value[0], value[1]


def _sort(text: str) -> tuple[str, bool]:
    """`created_at` or `-created_at` -> (key, descending)."""
    key = text.strip().removeprefix("-")
    if key not in SORTS:
        raise PipefitError(
            f"deals sort by {', '.join(SORTS)} (a leading - for descending); got '{text}'",
            field="sort",
        )
    return key, text.strip().startswith("-")


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
    if not 1 <= limit <= MAX_PAGE:
        raise PipefitError(f"a page holds 1 to {MAX_PAGE} deals; got {limit}", field="limit")
    key, descending = _sort(sort)
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
        after=_decode(cursor) if cursor else None,
        limit=limit,
    )
    with accounts:
        page = accounts.deal_pages.page(query)
    next_cursor = None
    if page.more and page.opportunities:
        last = page.opportunities[-1]
        value = last.created_at.isoformat() if key == "created_at" else last.opportunity_id
        next_cursor = _encode((value, last.opportunity_id))
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
) -> Move:
    """Move a deal the login may change, through the same gates as everywhere; a stale
    `expected_version` is a conflict; the move is written to the audit log."""
    opportunity = _seen(uow, scope, opportunity_id)
    deal_id = opportunity.opportunity_id
    if not scope.edits_deal(opportunity.owner_id, opportunity.presales_id):
        raise AccessDenied(f"{scope.principal.email} may read {deal_id} but not change it")
    if expected_version is not None and expected_version != opportunity.version:
        raise ConflictError(
            f"{deal_id} is at version {opportunity.version}, not {expected_version}: someone "
            "changed it since it was read; reload it and decide again",
            field="version",
        )
    actor = scope.principal.person_id or scope.principal.email[:100]
    now = clock()
    try:
        move = advance_stage(
            uow, deal_id, target, at=at, substate=substate, actor_id=actor, reason=reason,
            clock=lambda: now,
        )  # fmt: skip
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
    with accounts:
        accounts.audit.append(
            AuditEntry(
                scope.principal.email, now, "opportunity.move", deal_id,
                _state(opportunity), _state(move.opportunity),
            )
        )  # fmt: skip
        accounts.commit()
    return move
