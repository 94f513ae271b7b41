"""Deal use cases: create, list, record evidence, advance through stages, correct the
stage log, read the history.

Ids a person types are trimmed and an empty one is refused; times are refused when they
lie ahead of the clock (`clock`, injectable for tests); moves and the history read the
stage log as its corrections leave it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from pipefit.domain.clock import Clock, refuse_future, utc_now
from pipefit.domain.corrections import Correction, check_corrector, decide_correction
from pipefit.domain.errors import ConflictError, PipefitError
from pipefit.domain.evidence import PARTIES, check_kind, check_purpose, nearest
from pipefit.domain.forecast_category import ForecastOverride, decide_forecast_override
from pipefit.domain.model import (
    Activity,
    Category,
    Opportunity,
    StageEvent,
    StageEventCorrection,
    clean_id,
)
from pipefit.domain.pipeline import (
    LEAD_DEMO_READY,
    Move,
    Pipeline,
    decide_move,
)
from pipefit.domain.stage_log import StageLog, TimedEvent, timed_history
from pipefit.domain.users import AuditEntry
from pipefit.services.ports.deals import DealRepository
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = [
    "DealHistory",
    "DealList",
    "StaleVersion",
    "add_activity",
    "advance_stage",
    "check_version",
    "correct_stage_event",
    "create_opportunity",
    "deal_history",
    "edit_opportunity",
    "list_opportunities",
    "set_forecast_category",
    "show_pipeline",
]

OPPORTUNITY_ID = "opportunity.id"


def _deal_id(opportunity_id: str) -> str:
    return clean_id(opportunity_id, field=OPPORTUNITY_ID, what="an opportunity id")


def _optional_id(value: str | None, *, field: str, what: str) -> str | None:
    return None if value is None else clean_id(value, field=field, what=what)


def _pipeline_of(repo: DealRepository, opportunity: Opportunity) -> Pipeline:
    pipelines = repo.pipelines()
    if opportunity.pipeline not in pipelines:
        raise PipefitError(
            f"{opportunity.opportunity_id} is in pipeline '{opportunity.pipeline}', "
            "which neither pipefit.toml nor any import defines"
        )
    return pipelines[opportunity.pipeline]


def _pipeline_named(repo: DealRepository, name: str) -> Pipeline:
    pipelines = repo.pipelines()
    if name not in pipelines:
        raise PipefitError(f"unknown pipeline '{name}'; known: {', '.join(pipelines)}")
    return pipelines[name]


def show_pipeline(uow: UnitOfWork, name: str | None, *, default_pipeline: str) -> Pipeline:
    """A pipeline with its stages, triggers and sub-states (the default one if no name)."""
    with uow:
        return _pipeline_named(uow.deals, name or default_pipeline)


def _trigger_kinds(pipelines: dict[str, Pipeline]) -> set[str]:
    kinds: set[str] = set()
    for pipeline in pipelines.values():
        for stage in pipeline.stages:
            for req in (*stage.entry, *stage.exit):
                kinds.add(req.kind)
                kinds.update(r.kind for r in req.any_of)
    kinds.discard("")
    kinds.discard(LEAD_DEMO_READY)  # a state of the lead, not an activity anyone records
    return kinds


def _trigger_purposes(pipelines: dict[str, Pipeline]) -> set[str]:
    """The meeting purposes the workspace's gates ask for."""
    return {
        r.purpose
        for pipeline in pipelines.values()
        for stage in pipeline.stages
        for req in (*stage.entry, *stage.exit)
        for r in (req, *req.any_of)
        if r.purpose
    }


def create_opportunity(
    uow: UnitOfWork,
    opportunity_id: str,
    *,
    pipeline: str | None,
    default_pipeline: str,
    at: datetime | None = None,
    name: str | None = None,
    account_id: str | None = None,
    amount: Decimal | None = None,
    currency: str = "USD",
    owner_id: str | None = None,
    presales_id: str | None = None,
    actor_id: str | None = None,
    clock: Clock = utc_now,
) -> Opportunity:
    """A new deal enters its pipeline's first stage; that entry is the first logged event."""
    deal_id = _deal_id(opportunity_id)
    now = clock()
    when = at or now
    refuse_future(when, now, field="opportunity.at", what=f"the creation of {deal_id}")
    account = _optional_id(account_id, field="opportunity.account", what="an account id")
    owner = _optional_id(owner_id, field="opportunity.owner", what="an owner's person id")
    presales = _optional_id(presales_id, field="opportunity.presales", what="a person id")
    actor = _optional_id(actor_id, field="actor", what="who made the change")
    with uow:
        chosen = pipeline.strip() if pipeline else default_pipeline
        first = _pipeline_named(uow.deals, chosen).first_stage()
        opportunity = Opportunity(
            opportunity_id=deal_id,
            pipeline=chosen,
            stage=first.name,
            created_at=when,
            name=name,
            account_id=account,
            amount=amount,
            currency=currency,
            owner_id=owner,
            presales_id=presales,
            outcome=Category.OPEN,
        )
        event = StageEvent(
            opportunity_id=deal_id,
            seq=1,
            from_stage=None,
            to_stage=first.name,
            at=when,
            actor_id=actor,
        )
        uow.deals.create(opportunity, event)
        uow.commit()
    return opportunity


@dataclass(frozen=True)
class DealList:
    """Deals as found, with the filters that found them (for the view's title)."""

    opportunities: list[Opportunity]
    stage: str | None = None
    owner: str | None = None


def _stage_names(pipelines: dict[str, Pipeline], wanted: str) -> set[str]:
    """Every stage of any pipeline called `wanted` (case and spaces aside)."""
    key = wanted.strip().casefold()
    names = {s.name for p in pipelines.values() for s in p.stages if s.name.casefold() == key}
    if not names:
        known = sorted({s.name for p in pipelines.values() for s in p.stages})
        raise PipefitError(
            f"no pipeline has a stage '{wanted.strip()}';{nearest(wanted.strip(), known)} "
            f"stages: {', '.join(known)}",
            field="opportunity.stage",
        )
    return names


def list_opportunities(
    uow: UnitOfWork,
    *,
    stage: str | None = None,
    owner: str | None = None,
    limit: int | None = None,
) -> DealList:
    """Deals in id order, in a stage (any pipeline's, case-insensitive) or of an owner."""
    who = _optional_id(owner, field="opportunity.owner", what="an owner's person id")
    if limit is not None and limit < 1:
        raise PipefitError(f"a limit is a number of deals, 1 or more; got {limit}", field="limit")
    with uow:
        stages = None if stage is None else _stage_names(uow.deals.pipelines(), stage)
        found = uow.deals.list_opportunities(stages=stages, owner=who, limit=limit)
    return DealList(found, stage=stage.strip() if stage else None, owner=who)


def add_activity(
    uow: UnitOfWork,
    opportunity_id: str,
    kind: str,
    *,
    at: datetime | None = None,
    purpose: str | None = None,
    by: str | None = None,
    actor_id: str | None = None,
    note: str | None = None,
    clock: Clock = utc_now,
    audit: Callable[[Activity], AuditEntry] | None = None,
) -> Activity:
    """Record evidence on a deal (a meeting booked, accepted by the prospect, a demo held);
    `audit` makes its audit entry, written in the same transaction."""
    deal_id = _deal_id(opportunity_id)
    party = by.strip().lower() if by is not None else None
    if party is not None and party not in PARTIES:
        raise PipefitError(
            f"who accepted or did it must be one of {', '.join(PARTIES)}, got '{by}'",
            field="activity.by",
        )
    now = clock()
    when = at or now
    refuse_future(when, now, field="activity.at", what=f"evidence on {deal_id}")
    actor = _optional_id(actor_id, field="actor", what="who recorded it")
    with uow:
        uow.deals.get(deal_id)
        pipelines = uow.deals.pipelines()
        activity = Activity(
            activity_id=f"act-{uuid.uuid4().hex[:12]}",
            kind=check_kind(kind, _trigger_kinds(pipelines)),
            at=when,
            opportunity_id=deal_id,
            purpose=check_purpose(purpose, _trigger_purposes(pipelines))
            if purpose and purpose.strip()
            else None,
            by=party,
            actor_id=actor,
            note=note,
        )
        uow.deals.add_activity(activity)
        if audit is not None:
            uow.audit.append(audit(activity))
        uow.commit()
    return activity


def advance_stage(
    uow: UnitOfWork,
    opportunity_id: str,
    target: str,
    *,
    at: datetime | None = None,
    substate: str | None = None,
    actor_id: str | None = None,
    reason: str | None = None,
    clock: Clock = utc_now,
    expected_version: int | None = None,
    audit: Callable[[Opportunity, Move], AuditEntry] | None = None,
) -> Move:
    """Move a deal, if its gates allow. Decided on a snapshot; written only if unchanged
    (and only if still at `expected_version`, when given). `audit` makes the move's audit
    entry from the deal before and the move: written in the move's own transaction.

    The move is checked against the corrected stage log: a voided event is no change, a
    corrected one counts at its true time.
    """
    deal_id = _deal_id(opportunity_id)
    actor = _optional_id(actor_id, field="actor", what="who made the move")
    with uow:
        opportunity = uow.deals.get(deal_id)
        check_version(opportunity, expected_version)
        log = StageLog.of(uow.deals.events(deal_id), uow.deals.corrections(deal_id))
        evidence = uow.deals.activities(deal_id)
        pipeline = _pipeline_of(uow.deals, opportunity)
        gates = [r for stage in pipeline.stages for r in (*stage.entry, *stage.exit)]
        # Only a pipeline with a demo-ready gate pays for reading the deal's lead.
        lead = (
            uow.deals.lead_readiness(opportunity) if any(r.asks_for_lead for r in gates) else None
        )
    now = clock()
    move = decide_move(
        pipeline,
        opportunity,
        target=target,
        at=at or now,
        last_event=log.latest,
        activities=evidence,
        substate=substate.strip() if substate is not None else None,
        actor_id=actor,
        reason=reason,
        lead=lead,
        now=now,
        next_seq=log.next_seq,
    )
    # A second block: the version check, not a held lock, keeps concurrent moves apart.
    with uow:
        uow.deals.save_move(opportunity.version, move.opportunity, move.event)
        if audit is not None:
            uow.audit.append(audit(opportunity, move))
        uow.commit()
    return move


def correct_stage_event(
    uow: UnitOfWork,
    opportunity_id: str,
    seq: int,
    *,
    reason: str | None,
    actor_id: str | None,
    at: datetime | None = None,
    void: bool = False,
    clock: Clock = utc_now,
) -> Correction:
    """Log an admin's correction of one stage event: its true time, or void.

    The stage log is never changed; the correction is logged beside it (who, when, why),
    and the deal's stage and version follow the corrected log.
    """
    deal_id = _deal_id(opportunity_id)
    with uow:
        opportunity = uow.deals.get(deal_id)
        log = StageLog.of(uow.deals.events(deal_id), uow.deals.corrections(deal_id))
        pipeline = _pipeline_of(uow.deals, opportunity)
        role = uow.deals.person_role(actor_id.strip()) if actor_id else None
        people_known = uow.deals.knows_people()
    actor = check_corrector(actor_id, role, people_known=people_known)
    correction = decide_correction(
        pipeline,
        opportunity,
        log,
        seq=seq,
        reason=reason,
        at=at,
        void=void,
        actor_id=actor,
        now=clock(),
    )
    with uow:
        uow.deals.save_correction(opportunity.version, correction.opportunity, correction.record)
        uow.commit()
    return correction


def set_forecast_category(
    uow: UnitOfWork,
    opportunity_id: str,
    category: str,
    *,
    actor_id: str | None,
    note: str | None = None,
    clock: Clock = utc_now,
    expected_version: int | None = None,
    audit: Callable[[Opportunity, ForecastOverride], AuditEntry] | None = None,
) -> ForecastOverride:
    """Set an open deal's forecast category by hand, with who and when; earlier ones are
    kept (a forecast replayed to a past date reads the category in force then). The deal's
    version is bumped (it changed), so a change decided on the old one is a conflict."""
    deal_id = _deal_id(opportunity_id)
    with uow:
        opportunity = uow.deals.get(deal_id)
        check_version(opportunity, expected_version)
        earlier = len(uow.deals.forecast_overrides(deal_id))
        override = decide_forecast_override(
            opportunity, category, actor_id=actor_id, note=note, earlier=earlier, now=clock()
        )
        uow.deals.save_edit(
            opportunity.version, replace(opportunity, version=opportunity.version + 1)
        )
        uow.deals.add_forecast_override(override)
        if audit is not None:
            uow.audit.append(audit(opportunity, override))
        uow.commit()
    return override


class StaleVersion(ConflictError):
    """A change decided on a version of the deal that is no longer its own."""

    def __init__(self, message: str, *, current: int) -> None:
        super().__init__(message, field="version")
        self.current = current


def check_version(opportunity: Opportunity, expected: int | None) -> None:
    """A change decided on `expected` (when given) must find the deal still there."""
    if expected is not None and expected != opportunity.version:
        raise StaleVersion(
            f"{opportunity.opportunity_id} is at version {opportunity.version}, not "
            f"{expected}: someone changed it since it was read; reload it and decide again",
            current=opportunity.version,
        )


def edit_opportunity(
    uow: UnitOfWork,
    opportunity_id: str,
    *,
    expected_version: int | None,
    changes: dict[str, object],
    audit: Callable[[Opportunity, Opportunity], AuditEntry] | None = None,
) -> Opportunity:
    """Change a deal's name, amount or product (the keys of `changes`; None clears a
    name or product), only if it is still at `expected_version`; the version is bumped."""
    deal_id = _deal_id(opportunity_id)
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise PipefitError(
            f"only {', '.join(sorted(EDITABLE))} of a deal can be edited here; not "
            f"{', '.join(unknown)}",
            field=f"opportunity.{unknown[0]}",
        )
    amount = changes.get("amount")
    if amount is not None and (not isinstance(amount, Decimal) or amount < 0):
        raise PipefitError(
            f"an amount is a number of 0 or more, not {amount}", field="opportunity.amount"
        )
    if "name" in changes and changes["name"] is not None:
        name = str(changes["name"]).strip()
        if not name:
            raise PipefitError("a deal's name cannot be blank", field="opportunity.name")
        changes = {**changes, "name": name}
    with uow:
        before = uow.deals.get(deal_id)
        check_version(before, expected_version)
        after = replace(before, **changes, version=before.version + 1)  # type: ignore[arg-type]
        uow.deals.save_edit(before.version, after)
        if audit is not None:
            uow.audit.append(audit(before, after))
        uow.commit()
    return after


EDITABLE = frozenset({"name", "amount", "product"})


@dataclass(frozen=True)
class DealHistory:
    opportunity: Opportunity
    timeline: list[TimedEvent]
    activities: list[Activity]
    corrections: list[StageEventCorrection] = field(default_factory=list)


def deal_history(
    uow: UnitOfWork, opportunity_id: str, *, now: datetime | None = None, clock: Clock = utc_now
) -> DealHistory:
    """Every change of a deal, as the corrected log has it, with the time in each state."""
    deal_id = _deal_id(opportunity_id)
    with uow:
        opportunity = uow.deals.get(deal_id)
        events = uow.deals.events(deal_id)
        corrections = uow.deals.corrections(deal_id)
        evidence = uow.deals.activities(deal_id)
    closed_at = opportunity.closed_at if opportunity.outcome is not Category.OPEN else None
    timeline = timed_history(events, now or clock(), corrections, closed_at=closed_at)
    return DealHistory(opportunity, timeline, evidence, corrections)
