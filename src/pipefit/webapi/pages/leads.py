"""/leads: the lead queue, best score first, with band and reasons, and its routing
actions: qualify by the team's rules, or a person's hand-off, nurture until a date, or
disqualification with a reason (`services.lead_queue`, the services of `pipefit leads`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request, Response

from pipefit.domain.errors import PipefitError
from pipefit.domain.model import LeadStatus
from pipefit.services.lead_queue import (
    KEPT_SECONDS,
    decide_lead,
    lead_queue,
    qualify_lead,
    routes_leads,
)
from pipefit.webapi.auth import CurrentLogin, Workspace, kept_results, version_of
from pipefit.webapi.errors import status_of
from pipefit.webapi.templating import kept_fragment, redirect, render

__all__ = ["router"]

router = APIRouter()

LeadId = Annotated[str, Path(max_length=100)]
Text = Annotated[str, Form(max_length=2000)]
STATUSES = [s.value for s in LeadStatus]


def _status(value: str | None) -> str | None:
    if value and value not in STATUSES:
        raise PipefitError(
            f"no lead status '{value}'; the statuses are {', '.join(STATUSES)}", field="status"
        )
    return value or None


def _page(
    request: Request, app: Workspace, login: CurrentLogin, status: str | None,
    *, page: int = 1, error: str | None = None, code: int = 200,
) -> Response:  # fmt: skip
    config = app.workspace.config.qualification
    kept, version = kept_results(request), version_of(request, app)
    found = lead_queue(
        app.uow(), config, login.scope, status=status, page=page, kept=kept, version=version,
    )  # fmt: skip
    may_route = routes_leads(login.scope)

    # The rows are the bulk of the page: drawn once per page and state of the data for
    # whoever sees the same leads, the CSRF token put in per request.
    key = ("lead-rows", status, page, login.scope.lead_owners, may_route, config.model_dump_json())
    rows_html = kept_fragment(
        kept, key, version, "_lead_rows.html", login.csrf_token, max_age=KEPT_SECONDS,
        queue=found.leads, status=status or "", may_route=may_route,
    )  # fmt: skip
    return render(
        request, "leads.html", status_code=code, queue=found.leads, paging=found,
        status=status or "",
        statuses=STATUSES, waiting=config.routing.qualify_statuses, error=error,
        may_route=may_route, rows_html=rows_html,
    )  # fmt: skip


@router.get("/leads")
def leads_page(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    status: Annotated[str | None, Query(max_length=20)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    return _page(request, app, login, _status(status), page=page)


def _back(status: str) -> str:
    return f"/leads?status={status}" if status in STATUSES else "/leads"


@router.post("/leads/{lead_id}/qualify")
def qualify_form(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    lead_id: LeadId,
    status: Text = "",
) -> Response:
    config = app.workspace.config.qualification
    try:
        result = qualify_lead(app.uow(), app.accounts(), config, login.scope, lead_id)
    except PipefitError as wrong:
        if status_of(wrong) in (403, 404):
            raise
        return _page(request, app, login, _status(status), error=wrong.message, code=422)
    if not result.decisions:
        flash = f"{lead_id} is not waiting to be qualified: nothing decided"
    else:
        d = result.decisions[0]
        to = f" to {d.to_id}" if d.to_id else ""
        flash = f"{lead_id} qualified: {d.band}, {d.decision}{to}"
    return redirect(request, _back(status), flash=flash)


def _until(value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise PipefitError(
            f"'{value}' is not a date (YYYY-MM-DD)", field="override.until"
        ) from None
    return datetime.combine(day, time(), tzinfo=UTC)


@router.post("/leads/{lead_id}/decide")
def decide_form(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    lead_id: LeadId,
    decision: Text,
    to: Text = "",
    until: Text = "",
    note: Text = "",
    status: Text = "",
) -> Response:
    config = app.workspace.config.qualification
    try:
        done = decide_lead(
            app.uow(), app.accounts(), config, login.scope, lead_id, decision,
            to_id=to.strip() or None, until=_until(until), note=note.strip() or None,
        )  # fmt: skip
    except PipefitError as wrong:
        if status_of(wrong) in (403, 404):
            raise
        return _page(request, app, login, _status(status), error=wrong.message, code=422)
    return redirect(request, _back(status), flash=f"{lead_id}: {done.decision} recorded")
