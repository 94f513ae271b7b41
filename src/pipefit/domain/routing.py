"""Routing a qualified lead (DOMAIN sections 1 and 5): hand off, nurture or disqualify.

The lead's band and the team's rules decide: hand off to sales (the rep chosen by a
configurable rule, e.g. the least loaded rep of the teams that cover the lead's
segment), nurture until a re-entry date, or disqualify with a reason. Every decision
carries its reasons; a person may override it, and the override is a new decision that
names the one it replaces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from pipefit.domain.errors import ConfigError, PipefitError
from pipefit.domain.qualification import Band

__all__ = [
    "ASSIGN_RULES",
    "DECISIONS",
    "Assignment",
    "LeadDecision",
    "Rep",
    "RoutingRule",
    "choose_rep",
    "mark_superseded",
    "override",
    "route",
]

DECISIONS = ("handoff", "nurture", "disqualify")
ASSIGN_RULES = {
    "segment_and_load": "the least loaded rep of the teams that cover the lead's segment",
    "load": "the least loaded rep of any team",
    "owner_team": "the least loaded rep in the team of the person who qualified the lead",
}
STATUS_AFTER = {"handoff": "qualified", "nurture": "nurture", "disqualify": "disqualified"}


@dataclass(frozen=True)
class RoutingRule:
    band: Band
    decision: str
    team: str | None = None  # applies only to leads owned by this team; else to all
    nurture_days: int = 90
    reason: str | None = None

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise ConfigError(
                f"routing decision must be one of {', '.join(DECISIONS)}, got '{self.decision}'"
            )
        if self.nurture_days < 1:
            raise ConfigError(f"nurture_days must be at least 1, got {self.nurture_days}")


@dataclass
class Rep:
    person_id: str
    team_id: str | None
    load: int  # open deals plus leads handed to them lately


@dataclass(frozen=True)
class Assignment:
    rule: str = "segment_and_load"
    segment_teams: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rule not in ASSIGN_RULES:
            raise ConfigError(
                f"assignment rule must be one of {', '.join(ASSIGN_RULES)}, got '{self.rule}'"
            )


@dataclass(frozen=True)
class LeadDecision:
    lead_id: str
    at: datetime
    band: str | None
    decision: str
    method: str
    score: float | None
    reasons: tuple[str, ...]
    to_id: str | None = None
    nurture_until: datetime | None = None
    from_id: str | None = None  # who qualified the lead (its owner), for the hand-off record
    decided_by: str | None = None  # a person, for overrides; None when pipefit decided
    overrides: int | None = None
    note: str | None = None
    decision_id: int | None = None
    superseded_by: int | None = None  # the newer decision of the lead (read, never stored)

    @property
    def status(self) -> str:
        return STATUS_AFTER[self.decision]

    @property
    def state(self) -> str:
        """'in force' or 'superseded' (a hand-off overridden is no longer a hand-off)."""
        return "in force" if self.superseded_by is None else "superseded"


def mark_superseded(
    decisions: Sequence[LeadDecision], in_force: Mapping[str, int]
) -> list[LeadDecision]:
    """Each decision with the newer one of its lead that replaced it, if any.

    `in_force` is each lead's newest decision id; a decision's successor is the next newer
    one of its lead among `decisions`, else the one in force."""
    ids: dict[str, list[int]] = {}
    for d in decisions:
        if d.decision_id is not None:
            ids.setdefault(d.lead_id, []).append(d.decision_id)
    marked = []
    for d in decisions:
        newest = in_force.get(d.lead_id)
        if d.decision_id is None or newest is None or newest == d.decision_id:
            marked.append(d)
            continue
        newer = [i for i in ids.get(d.lead_id, []) if i > d.decision_id]
        marked.append(replace(d, superseded_by=min(newer) if newer else newest))
    return marked


def _rule_for(rules: Sequence[RoutingRule], band: Band, team: str | None) -> RoutingRule:
    for rule in rules:
        if rule.band == band and rule.team is not None and rule.team == team:
            return rule
    for rule in rules:
        if rule.band == band and rule.team is None:
            return rule
    raise PipefitError(f"no routing rule for band {band} (team {team or 'none'}): add one")


def choose_rep(
    reps: Sequence[Rep], assignment: Assignment, *, segment: str | None, team: str | None
) -> tuple[Rep | None, str]:
    """The rep to hand to, and why; the chosen rep's load goes up by one."""
    pool: list[Rep] = []
    if assignment.rule == "segment_and_load" and segment in assignment.segment_teams:
        teams = set(assignment.segment_teams[segment or ""])
        pool = [r for r in reps if r.team_id in teams]
        scope = f"teams covering {segment} ({', '.join(sorted(teams))})"
        if not pool and reps:
            # Teams that name no rep here (another company's ids): every rep rather than
            # a hand-off to nobody, and the reason says so.
            pool = list(reps)
            listed = ", ".join(sorted(teams))
            scope = f"all sales reps (no rep in the teams listed for {segment}: {listed})"
    elif assignment.rule == "owner_team" and team is not None:
        pool = [r for r in reps if r.team_id == team]
        scope = f"team {team}"
    else:
        pool = list(reps)
        scope = "all sales reps"
    if not pool:
        return None, f"no sales rep in {scope}: the hand-off waits for a person"
    chosen = min(pool, key=lambda r: (r.load, r.person_id))
    why = f"rep {chosen.person_id}: least loaded in {scope} ({chosen.load} open)"
    chosen.load += 1
    return chosen, why


def route(
    lead_id: str,
    *,
    band: Band,
    score: float | None,
    method: str,
    reasons: Sequence[str],
    at: datetime,
    rules: Sequence[RoutingRule],
    reps: Sequence[Rep],
    assignment: Assignment,
    segment: str | None = None,
    team: str | None = None,
    owner_id: str | None = None,
) -> LeadDecision:
    rule = _rule_for(rules, band, team)
    scope = f" for team {rule.team}" if rule.team else ""
    why = [*reasons]
    to_id = None
    until = None
    if rule.decision == "handoff":
        rep, said = choose_rep(reps, assignment, segment=segment, team=team)
        to_id = rep.person_id if rep else None
        why.append(f"{band}{scope}: hand off to sales; {said}")
    elif rule.decision == "nurture":
        until = at + timedelta(days=rule.nurture_days)
        why.append(f"{band}{scope}: nurture until {until.date().isoformat()}, then qualify again")
    else:
        why.append(f"{band}{scope}: disqualify ({rule.reason or 'below the bar'})")
    return LeadDecision(
        lead_id=lead_id,
        at=at,
        band=str(band),
        decision=rule.decision,
        method=method,
        score=score,
        reasons=tuple(why),
        to_id=to_id,
        nurture_until=until,
        from_id=owner_id,
    )


def override(
    previous: LeadDecision,
    *,
    decision: str,
    by: str,
    at: datetime,
    to_id: str | None = None,
    nurture_until: datetime | None = None,
    note: str | None = None,
) -> LeadDecision:
    """A person's decision in place of pipefit's (or another person's); both stay on record."""
    if decision not in DECISIONS:
        raise PipefitError(
            f"decision must be one of {', '.join(DECISIONS)}, got '{decision}'",
            field="override.decision",
        )
    if not by.strip():
        raise PipefitError("an override needs the person who made it", field="override.by")
    if decision == "handoff" and not to_id:
        raise PipefitError("a hand-off needs the rep to hand to", field="override.to")
    if decision == "nurture" and (nurture_until is None or nurture_until <= at):
        raise PipefitError("nurturing needs a re-entry date after now", field="override.until")
    if decision == "disqualify" and not (note and note.strip()):
        raise PipefitError("disqualifying needs a reason", field="override.note")
    said = {
        "handoff": f"hand off to {to_id}",
        "nurture": f"nurture until {nurture_until.date().isoformat() if nurture_until else ''}",
        "disqualify": "disqualify",
    }[decision]
    was = f"decision {previous.decision_id}" if previous.decision_id else "the last decision"
    return LeadDecision(
        lead_id=previous.lead_id,
        at=at,
        band=previous.band,
        decision=decision,
        method="override",
        score=previous.score,
        reasons=(f"overridden by {by}: {said} instead of {previous.decision} ({was})",),
        to_id=to_id if decision == "handoff" else None,
        nurture_until=nurture_until if decision == "nurture" else None,
        from_id=previous.from_id,
        decided_by=by,
        overrides=previous.decision_id,
        note=note,
    )
