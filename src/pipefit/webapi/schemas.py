"""The API's JSON shapes, every field described (they are the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from pipefit.domain.errors import PipefitError
from pipefit.domain.forecast_category import ForecastOverride
from pipefit.domain.model import Activity, Opportunity
from pipefit.domain.pipeline import Move
from pipefit.domain.stage_log import TimedEvent
from pipefit.services.deals import DealHistory
from pipefit.webapi.error_shapes import ErrorBody, ImportProblem
from pipefit.webapi.paging import Page

__all__ = [
    "ActivityIn",
    "DealDetail",
    "EditRequest",
    "ErrorBody",
    "EvidenceOut",
    "ForecastRequest",
    "ForecastResult",
    "ImportProblem",
    "MoveRequest",
    "MoveResult",
    "OpportunityOut",
    "OpportunityPage",
    "etag",
    "money",
    "version_of",
]


def money(value: Decimal | None) -> float | None:
    """An exact amount as a JSON number (4 decimals at most: one float holds it exactly
    enough to print back the same digits)."""
    return float(value) if value is not None else None


class OpportunityOut(BaseModel):
    """A deal as it stands now."""

    opportunity_id: str = Field(description="The deal's id (as its CRM or pipefit named it).")
    name: str | None = Field(description="The deal's name.")
    pipeline: str = Field(description="The pipeline it runs in.")
    stage: str = Field(description="Its current stage.")
    substate: str | None = Field(description="Its sub-state within the stage, if any.")
    outcome: str = Field(description="open, won or lost (the stage's category).")
    amount: float | None = Field(description="Its amount in `currency` (exact to the cent).")
    currency: str = Field(description="ISO 4217 code of the amount.")
    owner_id: str | None = Field(description="The sales rep who owns it (a person id).")
    presales_id: str | None = Field(description="Its presales engineer (a person id).")
    account_id: str | None = Field(description="The buying account.")
    lead_id: str | None = Field(description="The lead it came from.")
    product: str | None = Field(description="The product sold.")
    created_at: datetime = Field(description="When it was created (UTC).")
    closed_at: datetime | None = Field(description="When it was won or lost (UTC).")
    loss_reason: str | None = Field(description="Why it was lost.")
    version: int = Field(
        description="Bumped by every change: send it back with a move so that a change "
        "made meanwhile by someone else is a conflict, not a silent overwrite."
    )

    @classmethod
    def of(cls, o: Opportunity) -> OpportunityOut:
        return cls(
            opportunity_id=o.opportunity_id, name=o.name, pipeline=o.pipeline, stage=o.stage,
            substate=o.substate, outcome=str(o.outcome),
            amount=float(o.amount) if o.amount is not None else None, currency=o.currency,
            owner_id=o.owner_id, presales_id=o.presales_id, account_id=o.account_id,
            lead_id=o.lead_id, product=o.product, created_at=o.created_at,
            closed_at=o.closed_at, loss_reason=o.loss_reason, version=o.version,
        )  # fmt: skip


class OpportunityPage(Page[OpportunityOut]):
    """One page of the deals the caller may see."""

    rows = "deals"


class TimelineEntry(BaseModel):
    """One change of stage or sub-state, as the corrected stage log has it."""

    seq: int = Field(description="Its number in the deal's log, from 1.")
    from_stage: str | None = Field(description="The stage left (null for the first entry).")
    to_stage: str = Field(description="The stage entered.")
    substate: str | None = Field(description="The sub-state entered.")
    at: datetime = Field(description="When (UTC), corrected if a correction says so.")
    seconds_in_state: float | None = Field(
        description="Time spent in the state entered (null: voided by a correction)."
    )
    current: bool = Field(description="True for the state the deal is still in.")
    actor_id: str | None = Field(description="Who made the change.")

    @classmethod
    def of(cls, t: TimedEvent) -> TimelineEntry:
        e = t.event
        seconds = t.time_in_state.total_seconds() if t.time_in_state is not None else None
        return cls(
            seq=e.seq, from_stage=e.from_stage, to_stage=e.to_stage, substate=e.substate,
            at=e.at, seconds_in_state=seconds, current=t.still_there, actor_id=e.actor_id,
        )  # fmt: skip


class EvidenceOut(BaseModel):
    """An activity recorded on the deal (what stage gates ask for)."""

    activity_id: str = Field(description="The activity's id.")
    kind: str = Field(description="meeting_booked, meeting_accepted, demo_held, ...")
    at: datetime = Field(description="When it happened (UTC).")
    purpose: str | None = Field(description="The meeting's purpose (evaluation, ...).")
    by: str | None = Field(description="Who accepted or did it: prospect, rep or presales.")
    note: str | None = Field(description="A free note.")

    @classmethod
    def of(cls, a: Activity) -> EvidenceOut:
        return cls(
            activity_id=a.activity_id, kind=a.kind, at=a.at, purpose=a.purpose, by=a.by,
            note=a.note,
        )  # fmt: skip


class DealDetail(BaseModel):
    """A deal with its timeline and its evidence."""

    opportunity: OpportunityOut = Field(description="The deal as it stands.")
    timeline: list[TimelineEntry] = Field(description="Its stage log with time in each state.")
    activities: list[EvidenceOut] = Field(description="The evidence recorded on it.")

    @classmethod
    def of(cls, h: DealHistory) -> DealDetail:
        return cls(
            opportunity=OpportunityOut.of(h.opportunity),
            timeline=[TimelineEntry.of(t) for t in h.timeline],
            activities=[EvidenceOut.of(a) for a in h.activities],
        )


class MoveRequest(BaseModel):
    """A stage move, checked against the same gates as `pipefit pipeline advance`."""

    stage: str = Field(description="The target stage (case-insensitive).", min_length=1)
    version: int | None = Field(
        None,
        description="The deal's version as you read it (or send it as If-Match); if it "
        "changed since, the move is a 409 conflict. One of the two is required.",
    )
    substate: str | None = Field(None, description="A sub-state within the target stage.")
    reason: str | None = Field(None, description="Why (needed to close a deal as lost).")
    at: datetime | None = Field(
        None, description="When it happened (ISO 8601; default: now). Never in the future."
    )


class MoveResult(BaseModel):
    """The accepted move."""

    kind: str = Field(description="forward, backward, reopen, substate or close.")
    opportunity: OpportunityOut = Field(description="The deal after the move (new version).")

    @classmethod
    def of(cls, m: Move) -> MoveResult:
        return cls(kind=m.kind, opportunity=OpportunityOut.of(m.opportunity))


def etag(version: int) -> str:
    return f'"{version}"'


def version_of(if_match: str | None, field: int | None) -> int | None:
    """The version a change was decided on: If-Match (an ETag this API gave, weak or
    strong) or the body's `version`; both, they must agree."""
    if if_match is None or not if_match.strip():
        return field
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 18:
        raise PipefitError(
            f'If-Match holds {if_match!r}: send the ETag of the deal as read (e.g. "3")',
            field="version",
        )
    version = int(text)
    if field is not None and field != version:
        raise PipefitError(
            f"If-Match says version {version} and the body {field}: send one", field="version"
        )
    return version


class EditRequest(BaseModel):
    """A change to a deal's own fields (send only those that change)."""

    name: str | None = Field(None, description="Its new name.", min_length=1, max_length=500)
    amount: Decimal | None = Field(
        None, description="Its new amount in its currency (0 or more, cents at most).",
        ge=0, le=Decimal("99999999999999"), decimal_places=2,
    )  # fmt: skip
    product: str | None = Field(None, description="The product sold (null clears it).")
    version: int | None = Field(
        None, description="The deal's version as you read it (or send it as If-Match)."
    )


class ForecastRequest(BaseModel):
    """A forecast category set by hand on an open deal."""

    category: str = Field(
        description="pipeline, best_case, commit or omitted.", min_length=1, max_length=40
    )
    note: str | None = Field(None, description="Why (kept with the override).", max_length=2000)
    version: int | None = Field(
        None, description="The deal's version as you read it (or send it as If-Match)."
    )


class ForecastResult(BaseModel):
    """The override as recorded."""

    opportunity_id: str = Field(description="The deal.")
    seq: int = Field(description="The override's number on the deal, from 1.")
    category: str = Field(description="The category in force from now.")
    at: datetime = Field(description="When (UTC).")
    actor_id: str = Field(description="Who set it (a person id, or a login's email).")
    note: str | None = Field(description="Why.")
    version: int = Field(description="The deal's version after it.")

    @classmethod
    def of(cls, o: ForecastOverride, version: int) -> ForecastResult:
        return cls(
            opportunity_id=o.opportunity_id, seq=o.seq, category=o.category, at=o.at,
            actor_id=o.actor_id, note=o.note, version=version,
        )  # fmt: skip


class ActivityIn(BaseModel):
    """Evidence to record on a deal."""

    kind: str = Field(
        description="meeting_booked, meeting_accepted, demo_held, proposal_sent, ...",
        min_length=1, max_length=40,
    )  # fmt: skip
    at: datetime | None = Field(
        None, description="When it happened (ISO 8601; default: now). Never in the future."
    )
    purpose: str | None = Field(
        None, description="The meeting's purpose (discovery, evaluation, ...).", max_length=40
    )
    by: str | None = Field(
        None, description="Who accepted or did it: prospect, rep or presales.", max_length=20
    )
    note: str | None = Field(None, description="A free note.", max_length=2000)
