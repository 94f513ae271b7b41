"""Pay for a login: quotas, plans and capacity what-ifs, with pay kept private (a person's
quota, plan figures and the aggregates built on them are seen only by that person, their
managers and comp admins). A figure the login may not read is left out, never blanked,
so neither a row nor a count gives it away; a team or pool is shown only to whoever reads
the pay of everyone it sums."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pipefit.config.compensation import CompensationConfig, PlanConfig
from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.capacity import Multiplier
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.services.capacity import (
    CapacityReport,
    PlanningReport,
    capacity_scenario,
    plan_team,
    workspace_capacity,
)
from pipefit.services.compensation import QuotaRow, quota_overview
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = [
    "PlanEntry",
    "scoped_capacity",
    "scoped_plan",
    "scoped_plans",
    "scoped_quotas",
    "scoped_team_plan",
]


def _org(uow: UnitOfWork) -> tuple[dict[str, str | None], dict[str, str], dict[str, list[str]]]:
    """Each person's team and role, and each pool's presales members."""
    with uow:
        people = uow.pay.people()
        members = uow.pay.pool_members()
    pools: dict[str, list[str]] = {}
    for m in members:
        if m.kind != "covered_rep":
            pools.setdefault(m.pool_id, []).append(m.person_id)
    return (
        {p.person_id: p.team_id for p in people},
        {p.person_id: str(p.role) for p in people},
        pools,
    )


def scoped_quotas(
    uow: UnitOfWork, scope: AccessScope, config: CompensationConfig, currency: str, period: str
) -> list[QuotaRow]:
    """The quotas of a period the login may read: a rep's to whoever reads their pay, a
    pool's to its members and whoever reads all of theirs, a team's (the sum of its reps')
    to whoever reads the pay of every rep in it."""
    rows = quota_overview(uow, config, currency, period)
    if scope.pay is None:
        return rows
    team_of, role_of, pools = _org(uow)
    kept = []
    for row in rows:
        if row.kind == "person":
            seen = scope.sees_pay(row.owner_id)
        elif row.kind == "pool":
            seen = scope.sees_pool_pay(pools.get(row.owner_id, []))
        else:
            reps = [
                p for p, t in team_of.items() if t == row.owner_id and role_of[p] == "sales_rep"
            ]
            seen = bool(reps) and all(scope.sees_pay(p) for p in reps)
        if seen:
            kept.append(row)
    return kept


@dataclass(frozen=True)
class PlanEntry:
    name: str
    plan: PlanConfig
    roles: list[str]  # the roles it pays by default
    people: list[str]  # the people assigned to it by name, of those the login may see


def _visible_plans(uow: UnitOfWork, scope: AccessScope, config: CompensationConfig) -> set[str]:
    if scope.pay is None:
        return set(config.plans)
    _, role_of, _ = _org(uow)
    return {
        name
        for person in scope.pay
        if (name := config.plan_name_for(person, role_of.get(person, ""))) is not None
    }


def scoped_plans(
    uow: UnitOfWork, scope: AccessScope, config: CompensationConfig
) -> list[PlanEntry]:
    """The plans that pay the login or someone whose pay it reads (comp admins: all), by
    name; who each pays, only as far as the login may know it."""
    visible = _visible_plans(uow, scope, config)
    entries = []
    for name in sorted(visible):
        roles = sorted(r for r, plan in config.roles.items() if plan == name)
        people = sorted(
            p for p, plan in config.assignments.items() if plan == name and scope.sees_pay(p)
        )
        entries.append(PlanEntry(name, config.plans[name], roles, people))
    return entries


def scoped_plan(
    uow: UnitOfWork, scope: AccessScope, config: CompensationConfig, name: str
) -> PlanEntry:
    """One plan, if it pays the login or someone whose pay it reads; else "no plan", as an
    unknown name gets."""
    for entry in scoped_plans(uow, scope, config):
        if entry.name == name.strip():
            return entry
    raise NotFound(f"no plan '{name.strip()}'", field="plan")


def scoped_capacity(
    uow: UnitOfWork,
    scope: AccessScope,
    config: CompensationConfig,
    currency: str,
    *,
    reps_per_presales: Decimal | None,
    rep_quota: Decimal | None,
    gain: Decimal | None,
    as_of: datetime | None,
) -> Multiplier | CapacityReport:
    """The presales multiplier: for a scenario (both inputs given; anyone, no data read),
    or for the workspace's segments (every rep's quota: comp admins only)."""
    if (reps_per_presales is None) != (rep_quota is None):
        raise PipefitError(
            "give both reps_per_presales and rep_quota for a scenario, or neither for the "
            "workspace's segments",
            field="plan.rep_quota" if rep_quota is None else "plan.reps_per_presales",
        )
    if reps_per_presales is not None and rep_quota is not None:
        return capacity_scenario(reps_per_presales, rep_quota, gain, capacity=config.capacity)
    if scope.pay is not None:
        raise AccessDenied(
            "the workspace's capacity sums every rep's quota, which is pay you may not read: "
            "give reps_per_presales and rep_quota for a scenario"
        )
    return workspace_capacity(uow, config, currency, gain=gain, as_of=as_of)


def scoped_team_plan(
    uow: UnitOfWork,
    scope: AccessScope,
    config: CompensationConfig,
    currency: str,
    *,
    hire_reps: int,
    hire_presales: int,
    gain: Decimal | None,
    team: str | None,
    as_of: datetime | None,
) -> PlanningReport:
    """Hire reps, make presales more productive, or hire presales, side by side, for a
    team whose every member's pay the login reads (quotas and pay are its inputs); the
    whole company for comp admins. A team out of reach is "no team", as an unknown one."""
    if scope.pay is not None:
        if team is None:
            raise PipefitError(
                "name a team whose pay you read (the whole company's plan is for comp admins)",
                field="plan.team",
            )
        team_of, _, _ = _org(uow)
        members = [p for p, t in team_of.items() if t == team.strip()]
        if not members or not all(scope.sees_pay(p) for p in members):
            raise NotFound(f"no team '{team.strip()}'", field="plan.team")
    return plan_team(
        uow, config, currency, hire_reps=hire_reps, hire_presales=hire_presales, gain=gain,
        team=team.strip() if team else None, as_of=as_of,
    )  # fmt: skip
