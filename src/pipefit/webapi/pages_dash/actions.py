"""Every form of the pages that changes something, in one place (so that the sessions'
CSRF check applies to all of them): disputing a statement line, resolving a dispute.
Each answers a success with a redirect to the page that shows it (POST-redirect-GET), and
a refusal with that page, the reason above the form and the status the API would give."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipefit.domain.errors import PipefitError
from pipefit.services.disputes import raise_dispute, resolve_dispute
from pipefit.webapi.auth import Workspace, WritingLogin
from pipefit.webapi.pages_dash.rendering import error_page
from pipefit.webapi.pages_dash.statements import statement_page

__all__ = ["router"]

router = APIRouter(tags=["pages"], include_in_schema=False)

Text = Annotated[str, Form()]


def _statement_url(person: str, period: str) -> str:
    return f"/statements/{quote(person, safe='')}/{quote(period, safe='')}"


@router.post("/statements/{person}/{period}/disputes", response_class=HTMLResponse)
def dispute_line(
    request: Request,
    app: Workspace,
    login: WritingLogin,
    person: str,
    period: str,
    line: Text = "",
    note: Text = "",
    csrf_token: Text = "",
) -> Response:
    """Dispute a line of one's own statement, with a note."""
    try:
        raise_dispute(
            app.disputes(), app.uow(), login.scope, app.compensation, app.currency,
            person_id=person, period=period, line=line, note=note,
        )  # fmt: skip
    except PipefitError as error:
        typed = {"line": line, "note": note}
        return statement_page(request, app, login, person, period, problem=error, typed=typed)
    return RedirectResponse(_statement_url(person, period) + "#disputes", status_code=303)


@router.post("/disputes/{dispute_id}/resolution", response_class=HTMLResponse)
def resolve(
    request: Request,
    app: Workspace,
    login: WritingLogin,
    dispute_id: int,
    resolution: Text = "",
    person: Text = "",
    period: Text = "",
    csrf_token: Text = "",
) -> Response:
    """A comp admin resolves a dispute, with a note (`person` and `period`: the statement
    the form was on, shown again with the reason if the resolution is refused)."""
    try:
        done = resolve_dispute(app.disputes(), login.scope, dispute_id, resolution)
    except PipefitError as error:
        if person and period:
            typed = {"resolution": resolution, "dispute": str(dispute_id)}
            return statement_page(request, app, login, person, period, problem=error, typed=typed)
        return error_page(request, error)
    return RedirectResponse(_statement_url(done.person_id, done.period) + "#disputes", 303)
