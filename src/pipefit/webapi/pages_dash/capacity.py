"""/capacity: the capacity planner. The presales multiplier of a scenario (`plan capacity
--reps-per-presales --rep-quota`), the team's options side by side (`plan compare`) and
the workspace's segments (`plan capacity`), each with inputs to change and its result and
chart redrawn (a partial under htmx, the whole page without JavaScript). What a login may
plan, and whether it sees the pay-made figures, is `services.capacity_planner`'s."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from pipefit.bootstrap import App
from pipefit.charts.capacity import segments_chart
from pipefit.charts.dashboards import options_chart
from pipefit.config.compensation import CapacityConfig
from pipefit.domain.errors import PipefitError
from pipefit.services.capacity import capacity_scenario
from pipefit.services.capacity_planner import plan_for, plannable_teams, segments_for
from pipefit.views import Column, Kind, Table, to_jsonable
from pipefit.views.capacity import capacity_view, options_view, scenario_view
from pipefit.webapi.auth import CurrentLogin, Login, Workspace
from pipefit.webapi.pages_dash.rendering import is_partial, page
from pipefit.webapi.reports import moment

__all__ = ["router"]

router = APIRouter(tags=["pages"], include_in_schema=False)

MAX_HIRES = 10_000
PAY_FACTS = {"rep_quota", "rep_ote", "presales_ote"}
PAY_COLUMNS = {"cost", "revenue_per_cost", "cost_basis"}
SEGMENT_COLUMNS = (
    Column("segment"),
    Column("reps", Kind.INT),
    Column("presales", Kind.INT),
    Column("ratio"),
    Column("norm"),
    Column("avg_deal", Kind.MONEY, "avg deal"),
    Column("gain", Kind.RATIO),
    Column("presales_at_norm", Kind.NUMBER, "presales at norm"),
)


@dataclass(frozen=True)
class Inputs:
    """The form as typed (to draw it again)."""

    reps_per_presales: str = "10"
    rep_quota: str = "750000"
    gain: str = ""
    team: str = ""
    hire_reps: str = "1"
    hire_presales: str = "1"
    team_gain: str = ""
    as_of: str = ""


def _decimal(text: str, field: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise PipefitError(f"'{text}' is not a number", field=field) from None
    if not value.is_finite():
        raise PipefitError(f"'{text}' is not a number", field=field)
    return value


def _count(text: str, field: str) -> int:
    value = _decimal(text, field)
    if value is None or value != value.to_integral_value() or not 0 <= value <= MAX_HIRES:
        raise PipefitError(f"'{text}' is not a whole number from 0 to {MAX_HIRES}", field=field)
    return int(value)


def _scenario(inputs: Inputs, capacity: CapacityConfig) -> dict[str, Any]:
    ratio = _decimal(inputs.reps_per_presales, "plan.reps_per_presales")
    quota = _decimal(inputs.rep_quota, "plan.rep_quota")
    if ratio is None or quota is None:
        raise PipefitError("a scenario needs the reps per presales and a rep's quota")
    m = capacity_scenario(ratio, quota, _decimal(inputs.gain, "plan.gain"), capacity=capacity)
    return {
        "sentence": scenario_view(m, for_people=True).title,
        "tables": scenario_view(m, for_people=False).tables,
    }


def _compare(app: App, login: Login, inputs: Inputs) -> dict[str, Any]:
    plan = plan_for(
        app.uow(), login.scope, app.compensation, app.currency,
        hire_reps=_count(inputs.hire_reps, "plan.hire_reps"),
        hire_presales=_count(inputs.hire_presales, "plan.hire_presales"),
        gain=_decimal(inputs.team_gain, "plan.gain"),
        team=inputs.team or None,
        as_of=moment(inputs.as_of),
    )  # fmt: skip
    view = options_view(plan.report)
    history, options = view.tables
    if not plan.shows_pay:
        history = Table(
            history.columns,
            [r for r in history.rows if r["from the history"] not in PAY_FACTS],
            history.title, history.name,
        )  # fmt: skip
        options = Table(
            tuple(c for c in options.columns if c.key not in PAY_COLUMNS),
            options.rows, options.title, options.name,
        )  # fmt: skip
    spec = options_chart(plan.report.options, with_cost=plan.shows_pay).to_dict()
    return {
        "tables": [history, options],
        "notes": view.notes,
        "spec": to_jsonable(spec),
        "shows_pay": plan.shows_pay,
    }


def _segments(app: App, login: Login, inputs: Inputs) -> dict[str, Any]:
    plan = segments_for(
        app.uow(), login.scope, app.compensation, app.currency,
        gain=_decimal(inputs.team_gain, "plan.gain"), as_of=moment(inputs.as_of),
    )  # fmt: skip
    if plan.shows_pay:
        view = capacity_view(plan.report, for_people=True)
        spec = to_jsonable(segments_chart(plan.report.segments).to_dict())
        return {"tables": view.tables, "notes": view.notes, "spec": spec, "shows_pay": True}
    rows = [
        {
            "segment": s.facts.segment, "reps": s.facts.reps, "presales": s.facts.presales,
            "ratio": s.actual_ratio,
            "norm": f"{s.norm.name} (1:{s.norm.reps_per_presales:g})" if s.norm else None,
            "avg_deal": s.facts.acv, "gain": s.gain, "presales_at_norm": s.presales_at_norm,
        }
        for s in plan.report.segments
    ]  # fmt: skip
    title = f"Presales capacity by segment ({plan.report.window})"
    table = Table(SEGMENT_COLUMNS, rows, title, "segments")
    return {"tables": [table], "notes": [], "spec": None, "shows_pay": False}


def _section(build: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """A section's figures, or what stops it (said in its place; the others still show)."""
    try:
        return build(*args)
    except PipefitError as error:
        return {"problem": error}


@router.get("/capacity", response_class=HTMLResponse)
def capacity(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    reps_per_presales: Annotated[str, Query()] = Inputs.reps_per_presales,
    rep_quota: Annotated[str, Query()] = Inputs.rep_quota,
    gain: Annotated[str, Query()] = "",
    team: Annotated[str, Query()] = "",
    hire_reps: Annotated[str, Query()] = Inputs.hire_reps,
    hire_presales: Annotated[str, Query()] = Inputs.hire_presales,
    team_gain: Annotated[str, Query()] = "",
    as_of: Annotated[str, Query()] = "",
) -> HTMLResponse:
    """The planner: a scenario, the team's options, the workspace's segments."""
    teams = plannable_teams(app.uow(), login.scope, app.compensation, app.currency)
    if not team and not login.scope.sees_all_deals and teams:
        team = teams[0]  # a manager plans their own team by default
    inputs = Inputs(
        reps_per_presales, rep_quota, gain, team.strip(), hire_reps, hire_presales, team_gain,
        as_of.strip(),
    )  # fmt: skip
    context = {
        "inputs": inputs,
        "teams": teams,
        "everyone": login.scope.sees_all_deals,
        "scenario": _section(_scenario, inputs, app.workspace.config.compensation.capacity),
        "compare": _section(_compare, app, login, inputs),
        "segments": _section(_segments, app, login, inputs),
    }
    template = "capacity/_body.html" if is_partial(request) else "capacity/page.html"
    return page(request, template, context)
