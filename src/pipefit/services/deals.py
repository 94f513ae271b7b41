"""Deal use cases: create, record evidence, advance through stages, read the history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from pipefit.domain.errors import PipefitError
from pipefit.domain.evidence import PARTIES, check_kind
from pipefit.domain.model import Activity, Category, Opportunity, StageEvent
from pipefit.domain.pipeline import (
    LEAD_DEMO_READY,
    Move,
    Pipeline,
    TimedEvent,
    decide_move,
    timed_history,
)
from pipefit.services.ports.deals import DealRepository
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = [
    "DealHistory",
    "add_activity",
    "advance_stage",
    "create_opportunity",
    "deal_history",
    "show_pipeline",
]


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


def create_opportunity(
    uow: UnitOfWork,
    opportunity_id: str,
    *,
    pipeline: str | None,
    default_pipeline: str,
    at: datetime,
    name: str | None = None,
    account_id: str | None = None,
    amount: Decimal | None = None,
    currency: str = "USD",
    owner_id: str | None = None,
    presales_id: str | None = None,
    actor_id: str | None = None,
) -> Opportunity:
    """A new deal enters its pipeline's first stage; that entry is the first logged event."""
    with uow:
        chosen = pipeline or default_pipeline
        first = _pipeline_named(uow.deals, chosen).first_stage()
        opportunity = Opportunity(
            opportunity_id=opportunity_id,
            pipeline=chosen,
            stage=first.name,
            created_at=at,
            name=name,
            account_id=account_id,
            amount=amount,
            currency=currency,
            owner_id=owner_id,
            presales_id=presales_id,
            outcome=Category.OPEN,
        )
        event = StageEvent(
            opportunity_id=opportunity_id,
            seq=1,
            from_stage=None,
            to_stage=first.name,
            at=at,
            actor_id=actor_id,
        )
        uow.deals.create(opportunity, event)
        uow.commit()
    return opportunity


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
) -> Activity:
    """Record evidence on a deal (a meeting booked, accepted by the prospect, a demo held)."""
    if by is not None and by not in PARTIES:
        raise PipefitError(
            f"who accepted or did it must be one of {', '.join(PARTIES)}, got '{by}'",
            field="activity.by",
        )
    with uow:
        uow.deals.get(opportunity_id)
        activity = Activity(
            activity_id=f"act-{uuid.uuid4().hex[:12]}",
            kind=check_kind(kind, _trigger_kinds(uow.deals.pipelines())),
            at=at or datetime.now(UTC),
            opportunity_id=opportunity_id,
            purpose=purpose.strip().lower() if purpose else None,
            by=by,
            actor_id=actor_id,
            note=note,
        )
        uow.deals.add_activity(activity)
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
) -> Move:
    """Move a deal, if its gates allow. Decided on a snapshot; written only if unchanged."""
    with uow:
        opportunity = uow.deals.get(opportunity_id)
        events = uow.deals.events(opportunity_id)
        evidence = uow.deals.activities(opportunity_id)
        pipeline = _pipeline_of(uow.deals, opportunity)
        gates = [r for stage in pipeline.stages for r in (*stage.entry, *stage.exit)]
        # Only a pipeline with a demo-ready gate pays for reading the deal's lead.
        lead = (
            uow.deals.lead_readiness(opportunity) if any(r.asks_for_lead for r in gates) else None
        )
    move = decide_move(
        pipeline,
        opportunity,
        target=target,
        at=at or datetime.now(UTC),
        last_event=events[-1] if events else None,
        activities=evidence,
        substate=substate,
        actor_id=actor_id,
        reason=reason,
        lead=lead,
    )
    # A second block: the version check, not a held lock, keeps concurrent moves apart.
    with uow:
        uow.deals.save_move(opportunity.version, move.opportunity, move.event)
        uow.commit()
    return move


@dataclass(frozen=True)
class DealHistory:
    opportunity: Opportunity
    timeline: list[TimedEvent]
    activities: list[Activity]


def deal_history(
    uow: UnitOfWork, opportunity_id: str, *, now: datetime | None = None
) -> DealHistory:
    with uow:
        opportunity = uow.deals.get(opportunity_id)
        events = uow.deals.events(opportunity_id)
        evidence = uow.deals.activities(opportunity_id)
    end = opportunity.closed_at if opportunity.outcome is not Category.OPEN else None
    return DealHistory(
        opportunity, timed_history(events, end or now or datetime.now(UTC)), evidence
    )
