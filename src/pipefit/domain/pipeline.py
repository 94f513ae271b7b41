"""Pipelines, stages, their entry triggers and exit criteria, and the rules of a stage move.

DOMAIN section 4: each stage has a clear start (an entry trigger) and end (an exit
criterion); a move whose trigger is not met is refused with the evidence that is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from pipefit.domain.clock import refuse_future
from pipefit.domain.errors import ConfigError, GateRefused, NotFound, PipefitError
from pipefit.domain.model import Activity, Category, Opportunity, StageEvent
from pipefit.domain.qualification import SITUATION_SLIDE, DemoReadiness
from pipefit.domain.stage_log import TimedEvent, timed_history

__all__ = [
    "LEAD_DEMO_READY",
    "Move",
    "Pipeline",
    "Requirement",
    "Stage",
    "TimedEvent",
    "decide_move",
    "describe_requirements",
    "timed_history",
]


LEAD_DEMO_READY = "lead_demo_ready"


@dataclass(frozen=True)
class Requirement:
    """Evidence a gate asks for: an activity of `kind`, for `purpose`, done or accepted `by`.

    A requirement with `any_of` is met when any of its alternatives is met (SMB buying
    signals: came back to the site, viewed pricing, added a colleague, used the product).

    The kind `lead_demo_ready` asks instead that the deal's lead be demo-ready: its
    Situation Slide at least `demo_ready_min` % complete, with `demo_ready_fields` filled
    (DOMAIN section 5: book a demo only for a demo-ready lead).
    """

    kind: str = ""
    purpose: str | None = None
    by: str | None = None
    label: str | None = None
    any_of: tuple[Requirement, ...] = ()
    demo_ready_min: float | None = None
    demo_ready_fields: tuple[str, ...] = ()

    @property
    def asks_for_lead(self) -> bool:
        return self.kind == LEAD_DEMO_READY or any(r.asks_for_lead for r in self.any_of)

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.kind == LEAD_DEMO_READY:
            with_fields = "".join(f", with {SITUATION_SLIDE[f]}" for f in self.demo_ready_fields)
            return (
                f"a demo-ready lead (Situation Slide at least {self.demo_ready_min:g}% "
                f"complete{with_fields})"
            )
        if self.any_of:
            return "one of: " + " or ".join(r.describe() for r in self.any_of)
        if self.kind == "meeting_booked":
            what = f"{self.purpose} meeting" if self.purpose else "meeting"
            article = "an" if what[0] in "aeiou" else "a"
            return f"{article} {what} booked"
        if self.kind == "meeting_accepted":
            who = f"by the {self.by}" if self.by else ""
            what = f"the {self.purpose} meeting" if self.purpose else "the meeting"
            return f"{what} accepted {who}".strip()
        text = self.kind.replace("_", " ")
        if self.purpose:
            text += f" ({self.purpose})"
        if self.by:
            text += f" by the {self.by}"
        return text

    def matches(self, activity: Activity) -> bool:
        if activity.kind != self.kind:
            return False
        if self.purpose is not None and activity.purpose != self.purpose:
            return False
        return self.by is None or activity.by == self.by

    def is_met(self, activities: Sequence[Activity], lead: DemoReadiness | None = None) -> bool:
        if self.any_of:
            return any(r.is_met(activities, lead) for r in self.any_of)
        if self.kind == LEAD_DEMO_READY:
            return lead is not None and lead.is_ready(
                self.demo_ready_min or 0.0, self.demo_ready_fields
            )
        return any(self.matches(a) for a in activities)

    def evidence(self, activities: Sequence[Activity]) -> list[Activity]:
        """Activities related to this requirement (same purpose), met or not."""
        if self.any_of:
            return [a for r in self.any_of for a in r.evidence(activities)]
        if self.kind == LEAD_DEMO_READY:
            return []
        if self.purpose is None:
            return [a for a in activities if a.kind == self.kind]
        return [a for a in activities if a.purpose == self.purpose]


@dataclass(frozen=True)
class Stage:
    name: str
    category: Category = Category.OPEN
    entry: tuple[Requirement, ...] = ()
    exit: tuple[Requirement, ...] = ()
    substates: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Pipeline:
    """An ordered list of stages; open stages first, then the closed ones."""

    name: str
    stages: tuple[Stage, ...]
    origin: str = "workspace"

    def __post_init__(self) -> None:
        if not self.stages:
            raise ConfigError(f"pipeline '{self.name}': needs at least one stage")
        seen: set[str] = set()
        for stage in self.stages:
            key = stage.name.casefold()
            if key in seen:
                raise ConfigError(f"pipeline '{self.name}': stage '{stage.name}' appears twice")
            seen.add(key)

    def stage(self, name: str) -> Stage:
        wanted = name.strip().casefold()
        for stage in self.stages:
            if stage.name.casefold() == wanted:
                return stage
        names = ", ".join(s.name for s in self.stages)
        raise NotFound(f"pipeline '{self.name}' has no stage '{name}'; its stages are: {names}")

    def position(self, name: str) -> int:
        wanted = self.stage(name).name
        return next(i for i, s in enumerate(self.stages) if s.name == wanted)

    @property
    def open_stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in self.stages if s.category is Category.OPEN)

    def first_stage(self) -> Stage:
        return self.open_stages[0] if self.open_stages else self.stages[0]


@dataclass(frozen=True)
class Move:
    """The outcome of an accepted move: the opportunity as it now is and the event to log."""

    opportunity: Opportunity
    event: StageEvent
    kind: str  # forward, backward, reopen, substate, close


def describe_requirements(requirements: Sequence[Requirement]) -> str:
    """Say what a gate asks for in one phrase, folding a meeting with its acceptances.

    (meeting_booked evaluation, meeting_accepted evaluation by prospect) reads
    "an evaluation meeting booked and accepted by the prospect".
    """
    parts: list[str] = []
    folded: set[int] = set()
    for i, req in enumerate(requirements):
        if i in folded:
            continue
        if req.kind == "meeting_booked" and not req.label:
            acceptors = [
                j
                for j, other in enumerate(requirements)
                if other.kind == "meeting_accepted"
                and other.purpose == req.purpose
                and other.by
                and not other.label
            ]
            if acceptors:
                folded.update(acceptors)
                who = " and the ".join(str(requirements[j].by) for j in acceptors)
                parts.append(f"{req.describe()} and accepted by the {who}")
                continue
        parts.append(req.describe())
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1] if parts else ""


def _short(req: Requirement, lead: DemoReadiness | None) -> str:
    if req.kind == LEAD_DEMO_READY:
        if lead is None:
            return "no lead linked to this deal"
        return (
            f"lead {lead.lead_id}'s Situation Slide {lead.percent:g}% complete "
            f"(missing: {lead.describe_missing()})"
        )
    if req.kind == "meeting_accepted" and req.by and not req.label:
        return f"not accepted by the {req.by}"
    if req.kind == "meeting_booked" and not req.label:
        return "meeting not booked"
    return f"no {req.describe()}"


def _unmet(
    stage_name: str,
    verb: str,
    requirements: Iterable[Requirement],
    evidence: Sequence[Activity],
    lead: DemoReadiness | None = None,
) -> str | None:
    reqs = list(requirements)
    missing = [r for r in reqs if not r.is_met(evidence, lead)]
    if not missing:
        return None
    found: list[str] = []
    for req in reqs:
        for act in req.evidence(evidence):
            text = {"meeting_booked": "booked", "meeting_accepted": "accepted"}.get(
                act.kind, act.kind.replace("_", " ")
            )
            if act.by:
                text += f" by {act.by}"
            entry = f"{text} {act.at.date().isoformat()}"
            if entry not in found:
                found.append(entry)
    subject = f"{verb} {stage_name}".strip()
    if found:
        listed = found + [_short(r, lead) for r in missing]
    else:  # a lead's readiness is worth saying even when no activity was found
        listed = [_short(r, lead) for r in missing if r.kind == LEAD_DEMO_READY]
    return (
        f"{subject} needs {describe_requirements(reqs)}; "
        f"found: {', '.join(listed) if listed else 'nothing'}"
    )


def decide_move(
    pipeline: Pipeline,
    opportunity: Opportunity,
    *,
    target: str,
    at: datetime,
    last_event: StageEvent | None,
    activities: Sequence[Activity],
    substate: str | None = None,
    actor_id: str | None = None,
    reason: str | None = None,
    source: str = "pipefit",
    lead: DemoReadiness | None = None,
    now: datetime | None = None,
    next_seq: int | None = None,
) -> Move:
    """Check a stage move against the pipeline's rules and return what it changes.

    Forward moves must meet the current stage's exit criteria and the target's entry
    trigger; backward moves and reopening are allowed and recorded; closing as lost
    needs a reason. `lead` is the Situation Slide of the deal's lead, for gates that
    ask for a demo-ready lead (None when the deal has no lead).

    `last_event` is the deal's latest change as the corrected log has it (a voided event
    is no change, a corrected one counts at its true time); `next_seq` numbers the new
    event after every logged one, voided included (default: after `last_event`). With
    `now`, a move dated more than a few minutes ahead of it is refused.
    """
    what = f"a move of {opportunity.opportunity_id}"
    if at.tzinfo is None:
        raise PipefitError(
            f"move time {at.isoformat()} has no timezone; pipefit keeps UTC", field="move.at"
        )
    if now is not None:
        refuse_future(at, now, field="move.at", what=what)
    if last_event is not None and at < last_event.at:
        raise PipefitError(
            f"{opportunity.opportunity_id}: a move at {at.isoformat()} would predate the last "
            f"recorded change ({last_event.to_stage} at {last_event.at.isoformat()})",
            field="move.at",
        )
    goal = pipeline.stage(target)
    current = pipeline.stage(opportunity.stage)
    substate = substate.strip() if substate is not None else None
    if substate is not None and substate not in goal.substates:
        allowed = ", ".join(goal.substates) if goal.substates else "none"
        raise PipefitError(
            f"stage '{goal.name}' has no sub-state '{substate}'; its sub-states: {allowed}"
        )
    evidence = [
        a for a in activities if a.at <= at and a.opportunity_id == opportunity.opportunity_id
    ]
    here, there = pipeline.position(current.name), pipeline.position(goal.name)

    if goal.name == current.name:
        if substate is None or substate == opportunity.substate:
            raise PipefitError(
                f"{opportunity.opportunity_id} is already in {goal.name}"
                + (f" / {substate}" if substate else "")
            )
        kind = "substate"
    elif current.category is not Category.OPEN and goal.category is Category.OPEN:
        kind = "reopen"
    elif goal.category is Category.LOST:
        if not (reason and reason.strip()):
            raise GateRefused(
                f"closing {opportunity.opportunity_id} as {goal.name} needs a reason",
                field="reason",
            )
        kind = "close"
    elif there < here and goal.category is Category.OPEN:
        kind = "backward"
    else:
        problems = [
            p
            for p in (
                _unmet(current.name, "Leaving", current.exit, evidence, lead)
                if current.category is Category.OPEN
                else None,
                _unmet(goal.name, "", goal.entry, evidence, lead),
            )
            if p
        ]
        if problems:
            raise GateRefused("; ".join(p.strip() for p in problems))
        kind = "close" if goal.category is not Category.OPEN else "forward"

    closed = goal.category is not Category.OPEN
    updated = replace(
        opportunity,
        stage=goal.name,
        substate=substate,
        outcome=goal.category,
        closed_at=at if closed else None,
        loss_reason=reason if goal.category is Category.LOST else None,
        version=opportunity.version + 1,
    )
    event = StageEvent(
        opportunity_id=opportunity.opportunity_id,
        seq=next_seq if next_seq is not None else (last_event.seq + 1) if last_event else 1,
        from_stage=current.name,
        to_stage=goal.name,
        substate=substate,
        at=at,
        actor_id=actor_id,
        source=source,
        reason=reason,
    )
    return Move(opportunity=updated, event=event, kind=kind)
