"""/deals/{id}: one deal's page (details, timeline, evidence, committee, people, forecast
category), with forms to record evidence and set the forecast category by hand. Not
found for a deal the login may not see, exactly as for an unknown one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response

from pipefit.domain.errors import PipefitError
from pipefit.services.deal_page import add_evidence, deal_view, override_forecast
from pipefit.webapi.auth import CurrentLogin, Workspace
from pipefit.webapi.errors import status_of
from pipefit.webapi.templating import redirect, render

__all__ = ["router"]

router = APIRouter()

DealId = Annotated[str, Path(max_length=100)]
Text = Annotated[str, Form(max_length=2000)]


def _page(
    request: Request, app: Workspace, login: CurrentLogin, opportunity_id: str,
    *, error: str | None = None, status: int = 200,
) -> Response:  # fmt: skip
    view = deal_view(
        app.uow(), app.accounts(), login.scope, opportunity_id,
        app.analytics_settings.forecast_categories,
    )  # fmt: skip
    return render(request, "deal.html", status_code=status, view=view, error=error)


@router.get("/deals/{opportunity_id}")
def deal_page(
    request: Request, app: Workspace, login: CurrentLogin, opportunity_id: DealId
) -> Response:
    return _page(request, app, login, opportunity_id)


@router.post("/deals/{opportunity_id}/evidence")
def evidence_form(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    opportunity_id: DealId,
    kind: Text,
    purpose: Text = "",
    by: Text = "",
    note: Text = "",
) -> Response:
    try:
        done = add_evidence(
            app.uow(), app.accounts(), login.scope, opportunity_id, kind,
            purpose=purpose or None, by=by or None, note=note or None,
        )  # fmt: skip
    except PipefitError as wrong:
        if status_of(wrong) in (403, 404):
            raise
        return _page(request, app, login, opportunity_id, error=wrong.message, status=422)
    return redirect(request, f"/deals/{opportunity_id}", flash=f"Evidence recorded: {done.kind}")


@router.post("/deals/{opportunity_id}/forecast")
def forecast_form(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    opportunity_id: DealId,
    category: Text,
    note: Text = "",
) -> Response:
    try:
        done = override_forecast(
            app.uow(), app.accounts(), login.scope, opportunity_id, category, note=note or None
        )
    except PipefitError as wrong:
        if status_of(wrong) in (403, 404):
            raise
        return _page(request, app, login, opportunity_id, error=wrong.message, status=422)
    return redirect(
        request, f"/deals/{opportunity_id}",
        flash=f"Forecast category set to {done.category.replace('_', ' ')}",
    )  # fmt: skip
