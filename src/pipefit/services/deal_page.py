"""A deal's page for a login: the deal with its timeline and evidence, its account and
buying committee, the people on it and its forecast category; and the two changes the
page offers (evidence recorded, the forecast category set by hand), each checked against
the access policy and written to the audit log. A deal the login may not see is "not
found", as everywhere (`scoped_deals`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.board import DealParties
from pipefit.domain.clock import Clock, utc_now
from pipefit.domain.evidence import PARTIES
from pipefit.domain.forecast_category import OVERRIDABLE, ForecastOverride
from pipefit.domain.model import Activity, Category
from pipefit.domain.users import AuditEntry
from pipefit.services.deals import (
    DealHistory,
    _trigger_kinds,
    _trigger_purposes,
    add_activity,
    set_forecast_category,
)
from pipefit.services.ports.accounts import AccountsUnitOfWork
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.scoped_deals import read_deal

__all__ = ["DealView", "add_evidence", "deal_view", "override_forecast"]


@dataclass(frozen=True)
class DealView:
    history: DealHistory
    parties: DealParties
    names: dict[str, str]  # person id -> name, for the people the login may see
    stage_category: str | None  # the forecast category its stage gives
    overrides: list[ForecastOverride]  # newest last
    may_edit: bool
    kinds: list[str] = field(default_factory=list)  # evidence the workspace's gates ask for
    purposes: list[str] = field(default_factory=list)
    parties_by: tuple[str, ...] = PARTIES
    categories: tuple[str, ...] = OVERRIDABLE

    @property
    def forecast_category(self) -> str | None:
        """In force now: the latest override of an open deal, else its stage's."""
        if self.overrides and self.history.opportunity.outcome is Category.OPEN:
            return self.overrides[-1].category
        return self.stage_category


def deal_view(
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    opportunity_id: str,
    categories: Mapping[tuple[str, str], str],
    *,
    clock: Clock = utc_now,
) -> DealView:
    history = read_deal(uow, scope, opportunity_id, clock=clock)
    o = history.opportunity
    with uow:
        overrides = uow.deals.forecast_overrides(o.opportunity_id)
        pipelines = uow.deals.pipelines()
        names = {p.person_id: p.name for p in uow.pay.people() if scope.sees_person(p.person_id)}
    with accounts:
        parties = accounts.board.parties(o.account_id)
    for who in (o.owner_id, o.presales_id):
        # The people on a deal one may see are named on it, whoever else they are.
        if who and who not in names:
            with uow:
                found = {p.person_id: p.name for p in uow.pay.people()}
            names[who] = found.get(who, who)
    return DealView(
        history, parties, names, categories.get((o.pipeline, o.stage)),
        sorted(overrides, key=lambda v: v.seq), scope.edits_deal(o.owner_id, o.presales_id),
        sorted(_trigger_kinds(pipelines)), sorted(_trigger_purposes(pipelines)),
    )  # fmt: skip


def _editable(uow: UnitOfWork, scope: AccessScope, opportunity_id: str) -> DealHistory:
    history = read_deal(uow, scope, opportunity_id)
    o = history.opportunity
    if not scope.edits_deal(o.owner_id, o.presales_id):
        raise AccessDenied(f"{scope.principal.email} may read {o.opportunity_id} but not change it")
    return history


def _actor(scope: AccessScope) -> str:
    return scope.principal.person_id or scope.principal.email[:100]


def override_forecast(
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    opportunity_id: str,
    category: str,
    *,
    note: str | None = None,
    clock: Clock = utc_now,
) -> ForecastOverride:
    """Set a deal's forecast category by hand, recording who and when (the deal's
    overrides and the audit log)."""
    history = _editable(uow, scope, opportunity_id)
    deal_id = history.opportunity.opportunity_id
    with uow:
        before = uow.deals.forecast_overrides(deal_id)
    done = set_forecast_category(
        uow, deal_id, category, actor_id=_actor(scope), note=note, clock=clock
    )
    with accounts:
        accounts.audit.append(
            AuditEntry(
                scope.principal.email, done.at, "opportunity.forecast", deal_id,
                {"category": before[-1].category} if before else None,
                {"category": done.category, "note": done.note},
            )
        )  # fmt: skip
        accounts.commit()
    return done


def add_evidence(
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    opportunity_id: str,
    kind: str,
    *,
    purpose: str | None = None,
    by: str | None = None,
    note: str | None = None,
    at: datetime | None = None,
    clock: Clock = utc_now,
) -> Activity:
    """Record evidence on a deal the login may change (the same checks as
    `pipefit deal activity`), and write it to the audit log."""
    history = _editable(uow, scope, opportunity_id)
    deal_id = history.opportunity.opportunity_id
    activity = add_activity(
        uow, deal_id, kind, at=at, purpose=purpose, by=by or None, actor_id=_actor(scope),
        note=note, clock=clock,
    )  # fmt: skip
    with accounts:
        accounts.audit.append(
            AuditEntry(
                scope.principal.email, clock(), "opportunity.evidence", deal_id, None,
                {"activity_id": activity.activity_id, "kind": activity.kind,
                 "purpose": activity.purpose, "by": activity.by, "at": activity.at.isoformat()},
            )
        )  # fmt: skip
        accounts.commit()
    return activity
