"""The JSON shapes of leads, their scores, decisions and hand-offs (every field
described: they are the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from pipefit.domain.routing import LeadDecision
from pipefit.services.qualification import Assessment
from pipefit.webapi.paging import Page
from pipefit.webapi.schemas import money

__all__ = [
    "DecisionOut",
    "HandoffIn",
    "HandoffOut",
    "HandoffPage",
    "LeadIn",
    "LeadOut",
    "LeadPage",
    "OverrideIn",
    "QualificationOut",
    "ScoreOut",
]

Answer = Literal["yes", "no", "unknown"]


class LeadFields(BaseModel):
    """What a lead holds besides its id, status and time."""

    account_id: str | None = Field(None, description="The account it comes from.", max_length=100)
    contact_id: str | None = Field(None, description="The person who asked.", max_length=100)
    lead_source: str | None = Field(None, description="Where it came from (web, referral, ...).")
    owner_id: str | None = Field(
        None, description="Who works it (a person id); default: you.", max_length=100
    )
    budget: Answer | None = Field(None, description="BANT: budget allocated?")
    authority: Answer | None = Field(None, description="BANT: a decision maker on it?")
    need: Answer | None = Field(None, description="BANT: need defined?")
    timeline: Answer | None = Field(None, description="BANT: timeline defined?")
    contact_role: str | None = Field(None, description="Situation Slide: the contact's role.")
    critical_issue: str | None = Field(None, description="Situation Slide: the critical issue.")
    problems: str | None = Field(None, description="Situation Slide: the problems it causes.")
    capabilities: str | None = Field(None, description="Situation Slide: capabilities wanted.")
    value_expected: str | None = Field(None, description="Situation Slide: the value expected.")
    value_realization_events: str | None = Field(
        None, description="Situation Slide: the early wins expected after go-live."
    )
    needs_match_pct: Decimal | None = Field(
        None, description="How well our product matches its needs (0-100).", ge=0, le=100
    )
    success_criteria_fit_pct: Decimal | None = Field(
        None, description="How well its success criteria fit our record (0-100).", ge=0, le=100
    )
    buying_team_size: int | None = Field(
        None, description="People on its buying team.", ge=0, le=10_000
    )
    referral: bool | None = Field(None, description="Referred by a current customer?")
    similar_experience: bool | None = Field(
        None, description="Has it implemented similar software before?"
    )
    expected_ttv_days: int | None = Field(
        None, description="Expected days to its first value.", ge=0, le=100_000
    )


class LeadIn(LeadFields):
    """A new lead (status new)."""

    lead_id: str | None = Field(
        None, description="Its id (default: one made up).", min_length=1, max_length=100
    )
    created_at: datetime | None = Field(
        None, description="When it came in (ISO 8601; default: now). Never in the future."
    )


class LeadOut(BaseModel):
    """A lead as it stands."""

    lead_id: str = Field(description="The lead's id.")
    created_at: datetime = Field(description="When it came in (UTC).")
    status: str = Field(description="new, working, nurture, qualified or disqualified.")
    account_id: str | None = Field(description="The account it comes from.")
    contact_id: str | None = Field(description="The person who asked.")
    lead_source: str | None = Field(description="Where it came from.")
    owner_id: str | None = Field(description="Who works it (a person id).")
    budget: str | None = Field(description="BANT: budget allocated (yes, no, unknown)?")
    authority: str | None = Field(description="BANT: a decision maker on it?")
    need: str | None = Field(description="BANT: need defined?")
    timeline: str | None = Field(description="BANT: timeline defined?")
    needs_match_pct: float | None = Field(description="Needs matched, 0-100.")
    success_criteria_fit_pct: float | None = Field(description="Success criteria fit, 0-100.")
    buying_team_size: int | None = Field(description="People on its buying team.")
    referral: bool | None = Field(description="Referred by a current customer?")
    similar_experience: bool | None = Field(description="Implemented similar software?")
    expected_ttv_days: int | None = Field(description="Expected days to its first value.")

    @classmethod
    def of(cls, row: dict[str, Any]) -> LeadOut:
        values = {k: row.get(k) for k in cls.model_fields}
        for k in ("needs_match_pct", "success_criteria_fit_pct"):
            values[k] = money(row.get(k))
        values["status"] = str(row["status"])
        return cls(**values)


class LeadPage(Page[LeadOut]):
    """One page of the leads the caller may see."""

    rows = "leads"


class ScorePart(BaseModel):
    """One parameter of the success-ready scorecard."""

    name: str = Field(description="The parameter (lane, fit, culture, ...).")
    points: float = Field(description="Its points, 0-100.")
    weight: float = Field(description="Its weight in the score.")
    phrase: str = Field(description="What it found, in words.")


class ScoreOut(BaseModel):
    """A lead judged every way: the scorecard's score and band with its reasons, BANT,
    demo-readiness and, when asked, learned odds."""

    lead_id: str = Field(description="The lead's id.")
    score: float = Field(description="The success-ready scorecard's score, 0-100.")
    band: str = Field(description="Its band: Excellent, Good, Risky or Null.")
    reasons: list[str] = Field(description="The parts that weighed most, in words.")
    parts: list[ScorePart] = Field(description="Every scorecard parameter's points.")
    bant: dict[str, str] = Field(description="BANT's answers: criterion -> yes, no, unknown.")
    bant_passed: bool = Field(description="Whether BANT qualifies it.")
    bant_blind_spot: str | None = Field(
        description="Why BANT may be wrong about it (a serious lead it fails), if so."
    )
    demo_ready: bool = Field(description="Whether its Situation Slide is complete enough.")
    demo_ready_pct: float = Field(description="How complete its Situation Slide is, 0-100.")
    missing: list[str] = Field(description="Situation Slide fields not filled.")
    lane: str = Field(description="Its lane (industry and segment).")
    lane_fit: str = Field(description="ours, adjacent, other, or empty when unknown.")
    p_win: float | None = Field(description="Learned probability of a win (when asked).")
    p_success: float | None = Field(
        description="Learned probability of success as a customer (when asked)."
    )
    notes: list[str] = Field(description="Why odds were not learned, if they were not.")

    @classmethod
    def of(cls, a: Assessment, notes: list[str]) -> ScoreOut:
        card = a.card
        return cls(
            lead_id=a.lead_id, score=card.score, band=str(card.band), reasons=list(card.reasons),
            parts=[
                ScorePart(name=p.name, points=p.points, weight=p.weight, phrase=p.phrase)
                for p in card.parts
            ],
            bant=dict(a.bant.answers), bant_passed=a.bant.passed, bant_blind_spot=a.blind_spot,
            demo_ready=a.demo_ready, demo_ready_pct=a.demo.percent, missing=list(a.demo.missing),
            lane=a.lane.lane, lane_fit=a.lane.kind, p_win=a.p_win, p_success=a.p_success,
            notes=notes,
        )  # fmt: skip


class DecisionOut(BaseModel):
    """A routing decision: pipefit's or a person's override."""

    decision_id: int | None = Field(description="Its number in the decision log.")
    lead_id: str = Field(description="The lead decided on.")
    at: datetime = Field(description="When (UTC).")
    decision: str = Field(description="handoff, nurture or disqualify.")
    method: str = Field(description="How: the routing method, or override.")
    band: str | None = Field(description="The lead's band when decided.")
    score: float | None = Field(description="The lead's score when decided.")
    reasons: list[str] = Field(description="Why, in words.")
    to_id: str | None = Field(description="For a hand-off: the rep handed to.")
    nurture_until: datetime | None = Field(description="For nurture: the re-entry date.")
    decided_by: str | None = Field(description="The person who overrode (null: pipefit).")
    overrides: int | None = Field(description="The decision it replaced.")
    note: str | None = Field(description="The person's note.")
    state: str = Field(description="in force or superseded.")
    superseded_by: int | None = Field(description="The decision that replaced it, if any.")

    @classmethod
    def of(cls, d: LeadDecision) -> DecisionOut:
        return cls(
            decision_id=d.decision_id, lead_id=d.lead_id, at=d.at, decision=d.decision,
            method=d.method, band=d.band, score=d.score, reasons=list(d.reasons),
            to_id=d.to_id, nurture_until=d.nurture_until, decided_by=d.decided_by,
            overrides=d.overrides, note=d.note, state=d.state, superseded_by=d.superseded_by,
        )  # fmt: skip


class QualificationOut(BaseModel):
    """A lead banded and routed by the team's rules (`pipefit leads qualify LEAD`)."""

    lead_id: str = Field(description="The lead qualified.")
    decisions: list[DecisionOut] = Field(
        description="The decisions pipefit recorded, each with its band, score and reasons."
    )
    notes: list[str] = Field(description="What the qualification noticed on the way.")


class OverrideIn(BaseModel):
    """A person's decision in place of the one in force (both stay on record)."""

    decision: Literal["handoff", "nurture", "disqualify"] = Field(
        description="handoff (give `to`), nurture (give `until`) or disqualify (give `note`)."
    )
    to: str | None = Field(
        None, description="For a hand-off: the rep to hand to (a person id).", max_length=100
    )
    until: datetime | None = Field(None, description="For nurture: the re-entry date, ahead.")
    note: str | None = Field(
        None, description="Why (needed to disqualify; kept with the decision).", max_length=2000
    )


class HandoffIn(BaseModel):
    """A lead handed to a rep, in place of the decision in force."""

    to: str = Field(
        description="The rep to hand it to (a person id).", min_length=1, max_length=100
    )
    note: str | None = Field(None, description="Why (kept with the decision).", max_length=2000)


class HandoffOut(BaseModel):
    """A lead handed from the one who qualified it to a rep."""

    lead_id: str = Field(description="The lead handed off.")
    at: datetime = Field(description="When (UTC).")
    from_id: str | None = Field(description="Who handed it (a person id).")
    to_id: str = Field(description="The rep it went to (a person id).")

    @classmethod
    def of(cls, row: dict[str, Any]) -> HandoffOut:
        return cls(lead_id=row["lead_id"], at=row["at"], from_id=row["from_id"], to_id=row["to_id"])


class HandoffPage(Page[HandoffOut]):
    """One page of the hand-offs the caller may see."""

    rows = "hand-offs"
