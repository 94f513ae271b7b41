"""/api/quotas, /api/plans and the capacity what-ifs (/api/capacity, /api/capacity/compare):
pay figures only for whoever may read them (the person, their managers, comp admins)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from pipefit.domain.capacity import Multiplier
from pipefit.services.compensation import QuotaRow
from pipefit.services.scoped_pay import (
    PlanEntry,
    scoped_capacity,
    scoped_plan,
    scoped_plans,
    scoped_quotas,
    scoped_team_plan,
)
from pipefit.views import to_jsonable
from pipefit.views.capacity import capacity_view, options_view, scenario_view
from pipefit.webapi.auth import CurrentLogin, Workspace
from pipefit.webapi.reports import moment
from pipefit.webapi.schemas import ErrorBody, money

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["reports and pay"])

MAX_HIRES = 10_000
Period = Annotated[str, Query(description="The period: 2026, 2026Q3 or 2026-07.", max_length=20)]


class QuotaOut(BaseModel):
    """A quota for the period: a rep's, a pool's (its street quota beside its target) or a
    team's (the sum of its reps')."""

    kind: str = Field(description="person, pool or team.")
    owner_id: str = Field(description="The person, pool or team.")
    name: str = Field(description="Its name.")
    quota: float | None = Field(description="The quota in force (null: none set).")
    street_quota: float | None = Field(description="A pool's: the sum of its reps' quotas.")
    explicit: float | None = Field(description="A pool's explicit target, if one is set.")
    note: str = Field(description="How it was found (ramp, change, discount, ...).")

    @classmethod
    def of(cls, row: QuotaRow) -> QuotaOut:
        return cls(
            kind=row.kind, owner_id=row.owner_id, name=row.name, quota=money(row.quota),
            street_quota=money(row.street_quota), explicit=money(row.explicit), note=row.note,
        )  # fmt: skip


class QuotaList(BaseModel):
    """The quotas of a period you may read."""

    period: str = Field(description="The period asked for.")
    items: list[QuotaOut] = Field(description="Reps, then pools, then teams.")
    total: int = Field(description="How many rows (only those whose pay you read).")


@router.get(
    "/quotas",
    response_model=QuotaList,
    responses={422: {"model": ErrorBody, "description": "The period is wrong."}},
)
def list_quotas(app: Workspace, login: CurrentLogin, period: Period) -> QuotaList:
    """The quotas of a period whose pay you may read: your own, your people's as their
    manager, everyone's as a comp admin. A team's only if you read every rep's in it; a
    pool's only as its member or if you read every member's."""
    rows = scoped_quotas(app.uow(), login.scope, app.compensation, app.currency, period)
    return QuotaList(period=period, items=[QuotaOut.of(r) for r in rows], total=len(rows))


class TierOut(BaseModel):
    """A band of attainment and the rate it pays at."""

    start: float = Field(description="Attainment % where it starts.")
    end: float | None = Field(description="Where it ends (null: no end).")
    rate: float = Field(description="A multiple of the on-target rate.")


class PlanOut(BaseModel):
    """A compensation plan of pipefit.toml."""

    name: str = Field(description="The plan's name.")
    description: str = Field(description="What it is for.")
    roles: list[str] = Field(description="The roles it pays by default.")
    people: list[str] = Field(
        description="People assigned to it by name (only those whose pay you read)."
    )
    base_salary: float | None = Field(description="Base salary a year.")
    variable_target: float | None = Field(description="Variable pay at 100% a year.")
    tier_mode: str = Field(description="marginal, flat, ... how tiers apply.")
    attainment: str = Field(description="period or cumulative attainment.")
    tiers: list[TierOut] = Field(description="Its tiers, lowest first.")
    cap_pct: float | None = Field(description="Pay capped at this % of target (null: none).")
    clawback_days: int | None = Field(description="A churn within these days claws back.")
    pay_frequency: str = Field(description="monthly, quarterly or yearly.")
    true_up: bool = Field(description="A year-end true-up on cumulative attainment.")
    draw_monthly: float | None = Field(description="A monthly draw against commission.")

    @classmethod
    def of(cls, e: PlanEntry) -> PlanOut:
        p = e.plan
        return cls(
            name=e.name, description=p.description, roles=e.roles, people=e.people,
            base_salary=money(p.base_salary), variable_target=money(p.variable_target),
            tier_mode=str(p.tier_mode), attainment=str(p.attainment),
            tiers=[TierOut(start=float(t.start), end=money(t.end), rate=float(t.rate))
                   for t in p.tiers],
            cap_pct=money(p.cap_pct), clawback_days=p.clawback_days,
            pay_frequency=str(p.pay_frequency), true_up=p.true_up,
            draw_monthly=money(p.draw.monthly) if p.draw else None,
        )  # fmt: skip


@router.get("/plans", response_model=list[PlanOut])
def list_plans(app: Workspace, login: CurrentLogin) -> list[PlanOut]:
    """The plans that pay you or someone whose pay you read (comp admins: all)."""
    return [PlanOut.of(e) for e in scoped_plans(app.uow(), login.scope, app.compensation)]


@router.get(
    "/plans/{name}",
    response_model=PlanOut,
    responses={404: {"model": ErrorBody, "description": "No such plan, or not one you read."}},
)
def get_plan(
    app: Workspace,
    login: CurrentLogin,
    name: Annotated[str, Path(description="The plan's name.", max_length=100)],
) -> PlanOut:
    """One plan, if it pays you or someone whose pay you read."""
    return PlanOut.of(scoped_plan(app.uow(), login.scope, app.compensation, name))


Gain = Annotated[
    Decimal | None,
    Query(description="Productivity gain, e.g. 0.05 for 5% (default: the norm).", ge=0, le=100),
]
AsOf = Annotated[
    str | None,
    Query(description="End of the history window (default: the latest close).", max_length=40),
]


@router.get(
    "/capacity",
    responses={
        200: {"description": "The JSON of `pipefit plan capacity -f json`."},
        403: {"model": ErrorBody, "description": "The workspace's figures are for comp admins."},
        422: {"model": ErrorBody, "description": "An input is wrong."},
    },
)
def get_capacity(
    app: Workspace,
    login: CurrentLogin,
    reps_per_presales: Annotated[
        Decimal | None,
        Query(description="Reps one presales person covers (a scenario).", gt=0, le=10_000),
    ] = None,
    rep_quota: Annotated[
        Decimal | None,
        Query(description="A rep's yearly quota (a scenario).", ge=0, le=10**12),
    ] = None,
    gain: Gain = None,
    as_of: AsOf = None,
) -> Any:
    """The presales multiplier: with `reps_per_presales` and `rep_quota`, one scenario
    (the quota one presales person influences and what a gain on it is worth; anyone);
    without, every segment of the workspace (it sums every rep's quota: comp admins)."""
    found = scoped_capacity(
        app.uow(), login.scope, app.compensation, app.currency,
        reps_per_presales=reps_per_presales, rep_quota=rep_quota, gain=gain,
        as_of=moment(as_of),
    )  # fmt: skip
    if isinstance(found, Multiplier):
        return to_jsonable(scenario_view(found, for_people=False).machine_document())
    return to_jsonable(capacity_view(found, for_people=False).machine_document())


@router.get(
    "/capacity/compare",
    responses={
        200: {"description": "The JSON of `pipefit plan compare -f json`."},
        404: {"model": ErrorBody, "description": "No such team, or one whose pay you do not "
              "read in full."},
        422: {"model": ErrorBody, "description": "An input is wrong."},
    },
)  # fmt: skip
def compare_options(
    app: Workspace,
    login: CurrentLogin,
    reps: Annotated[int, Query(description="Reps to hire.", ge=0, le=MAX_HIRES)] = 1,
    presales: Annotated[
        int, Query(description="Presales engineers to hire.", ge=0, le=MAX_HIRES)
    ] = 1,
    gain: Gain = None,
    team: Annotated[
        str | None,
        Query(description="The team (required unless you read everyone's pay).", max_length=100),
    ] = None,
    as_of: AsOf = None,
) -> Any:
    """Hire reps, make presales more productive, or hire presales? Side by side, from the
    team's own history, as `pipefit plan compare` computes it: for a team whose every
    member's pay you read (a manager, their team's), or the company for comp admins."""
    report = scoped_team_plan(
        app.uow(), login.scope, app.compensation, app.currency, hire_reps=reps,
        hire_presales=presales, gain=gain, team=team, as_of=moment(as_of),
    )  # fmt: skip
    return to_jsonable(options_view(report).machine_document())
