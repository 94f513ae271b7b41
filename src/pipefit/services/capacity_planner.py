"""The capacity planner for a login: the what-ifs of `plan compare` and `plan capacity`
over the team's history, with the access policy applied before anything is shown.

- The team's what-ifs read every deal of the team (bookings, win rate, deal sizes): a
  login plans a team only if it sees all of the team's people (a manager: a team of their
  subtree; revops, admin and comp admins: any team, and everyone at once). A rep or a
  presales engineer plans with the scenario's own figures only.
- The segments of the whole workspace read every deal: only for logins that see them all.
- Quotas and on-target earnings are pay: the figures made of them (costs, revenue per
  cost, average quotas and earnings, the quota a presales person influences and what a
  gain on it is worth) are left out, here and not in a template, unless the login reads
  the pay of everyone in the team (everyone's, for the segments).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.capacity import SegmentCapacity
from pipefit.domain.errors import PipefitError
from pipefit.domain.planning import Option
from pipefit.services.capacity import CapacityReport, PlanningReport, plan_team, workspace_capacity
from pipefit.services.paybook import load_org
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = ["PAY_WORDS", "SegmentsPlan", "TeamPlan", "plan_for", "plannable_teams", "segments_for"]

# Lines of an option's explanation that speak of pay (quota, earnings, cost).
PAY_WORDS = ("cost", "earnings", "quota", "salary")
TEAMS_REFUSED = (
    "the team's what-ifs read every deal of the team: for its managers, revops, admin and "
    "comp admins"
)


@dataclass(frozen=True)
class TeamPlan:
    report: PlanningReport
    shows_pay: bool


@dataclass(frozen=True)
class SegmentsPlan:
    report: CapacityReport
    shows_pay: bool


def _members(uow: UnitOfWork, config: CompensationConfig, currency: str) -> dict[str, set[str]]:
    """Team -> its people (reps, presales, its manager)."""
    with uow:
        book = load_org(uow.pay, config, currency)
    members: dict[str, set[str]] = {t: set() for t in book.teams}
    for person in book.people.values():
        if person.team_id is not None:
            members.setdefault(person.team_id, set()).add(person.person_id)
    for team in book.teams.values():
        if team.manager_id is not None:
            members.setdefault(team.team_id, set()).add(team.manager_id)
    return members


def plannable_teams(
    uow: UnitOfWork, scope: AccessScope, config: CompensationConfig, currency: str
) -> list[str]:
    """The teams the login may plan (each of whose people it sees)."""
    members = _members(uow, config, currency)
    return sorted(t for t, people in members.items() if all(scope.sees_person(p) for p in people))


def _sees_pay(scope: AccessScope, people: set[str]) -> bool:
    if scope.pay is None:
        return True
    return bool(people) and all(p in scope.pay for p in people)


def _option_without_pay(option: Option) -> Option:
    kept = tuple(line for line in option.how if not any(w in line.lower() for w in PAY_WORDS))
    return replace(option, cost=Decimal(0), cost_basis="", how=kept)


def _without_pay(report: PlanningReport) -> PlanningReport:
    facts = replace(report.facts, rep_quota=None, rep_ote=Decimal(0), presales_ote=Decimal(0))
    options = [_option_without_pay(o) for o in report.options]
    assumptions = [a for a in report.assumptions if "earnings" not in a.lower()]
    return replace(report, facts=facts, options=options, assumptions=assumptions)


def plan_for(
    uow: UnitOfWork,
    scope: AccessScope,
    config: CompensationConfig,
    currency: str,
    *,
    hire_reps: int = 1,
    hire_presales: int = 1,
    gain: Decimal | None = None,
    team: str | None = None,
    as_of: datetime | None = None,
) -> TeamPlan:
    """`plan compare` for a team the login may plan (None: everyone, for a login that
    sees every deal); its pay figures only for a login that reads the team's pay."""
    members = _members(uow, config, currency)
    if team is None:
        if not scope.sees_all_deals:
            raise AccessDenied(TEAMS_REFUSED)
        people = {p for group in members.values() for p in group}
    else:
        allowed = [t for t, group in members.items() if all(scope.sees_person(p) for p in group)]
        if team not in allowed:
            if not allowed:
                raise AccessDenied(TEAMS_REFUSED)
            # worded as for a team that does not exist: which teams there are does not leak
            raise PipefitError(
                f"no team '{team}' to plan; yours: {', '.join(sorted(allowed))}",
                field="plan.team",
            )
        people = members[team]
    report = plan_team(
        uow, config, currency, hire_reps=hire_reps, hire_presales=hire_presales, gain=gain,
        team=team, as_of=as_of,
    )  # fmt: skip
    shows_pay = _sees_pay(scope, people)
    return TeamPlan(report if shows_pay else _without_pay(report), shows_pay)


def _segment_without_pay(s: SegmentCapacity) -> SegmentCapacity:
    return replace(s, facts=replace(s.facts, rep_quota=None), actual=None, at_norm=None)


def segments_for(
    uow: UnitOfWork,
    scope: AccessScope,
    config: CompensationConfig,
    currency: str,
    *,
    gain: Decimal | None = None,
    as_of: datetime | None = None,
) -> SegmentsPlan:
    """`plan capacity` over the whole workspace, for a login that sees every deal; the
    quota-made figures only for one that reads everyone's pay."""
    if not scope.sees_all_deals:
        raise AccessDenied("the segments read every deal of the workspace: for revops, "
                           "admin and comp admins")  # fmt: skip
    report = workspace_capacity(uow, config, currency, gain=gain, as_of=as_of)
    if scope.pay is None:
        return SegmentsPlan(report, True)
    segments = [_segment_without_pay(s) for s in report.segments]
    return SegmentsPlan(replace(report, segments=segments), False)
