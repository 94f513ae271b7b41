"""/statements: the pay statements a login may read, per period; /statements/{person}/
{period}: one statement with its credited deals and every line, its disputes, and (for
the person, in an open period) a form to dispute a line. A statement the login may not
read is a 404 worded as for an unknown person; a closed period's statement is shown as it
was kept at the close, with no form that could change it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from pipefit.bootstrap import App
from pipefit.domain.errors import PipefitError
from pipefit.domain.metrics.revenue import previous_period
from pipefit.domain.periods import parse_period, period_of
from pipefit.domain.users import UserRole
from pipefit.services.disputes import (
    close_of,
    open_disputes,
    statement_disputes,
    statement_lines,
)
from pipefit.services.scoped_reports import scoped_statement
from pipefit.services.statement_pages import visible_statements
from pipefit.views.statements import shown_facts, statement_view, summary_table
from pipefit.webapi.auth import CurrentLogin, Login, Workspace
from pipefit.webapi.errors import status_of
from pipefit.webapi.pages_dash.rendering import error_page, page

__all__ = ["default_period", "router", "statement_page"]

router = APIRouter(tags=["pages"], include_in_schema=False)


def default_period(now: datetime | None = None) -> str:
    """The last quarter that has ended: the one whose statements are being read."""
    return previous_period(period_of((now or datetime.now(UTC)).date(), "quarter")).label


@router.get("/statements", response_class=HTMLResponse)
def statements(
    request: Request,
    app: Workspace,
    login: CurrentLogin,
    period: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """The statements of a period that the login may read, and the open disputes on them."""
    asked = (period or "").strip() or default_period()
    context: dict[str, Any] = {"period": asked, "rows": [], "skipped": [], "closes": []}
    try:
        found = visible_statements(app.uow(), login.scope, app.compensation, app.currency, asked)
        context.update(
            rows=summary_table(found.statements).rows,
            skipped=found.skipped,
            closes=found.closes,
            close=close_of(app.uow(), asked),
            disputes=open_disputes(app.disputes(), login.scope),
        )
    except PipefitError as error:
        context["problem"] = error
        return page(request, "statements/index.html", context, status_code=422)
    return page(request, "statements/index.html", context)


def statement_page(
    request: Request,
    app: App,
    login: Login,
    person: str,
    period: str,
    *,
    problem: PipefitError | None = None,
    typed: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """One statement's page (`problem`: a refused form, said above it with its status)."""
    try:
        statement = scoped_statement(
            app.uow(), login.scope, app.compensation, app.currency, person, period
        )
        disputes = statement_disputes(app.disputes(), login.scope, person, period)
        close = close_of(app.uow(), period)
    except PipefitError as error:
        return error_page(request, error)
    view = statement_view(statement, for_scripts=False)
    own = login.scope.principal.person_id == statement.person_id
    context = {
        "view": view,
        "shown": shown_facts(view),
        "units": {f.key: f.unit for f in view.facts},
        "person": statement.person_id,
        "period": statement.period.label,
        "close": close,
        "disputes": disputes,
        "lines": statement_lines(statement),
        "can_dispute": own and close is None,
        "can_resolve": login.scope.principal.role is UserRole.COMP_ADMIN,
        "problem": problem,
        "typed": typed or {},
    }
    status = 200 if problem is None else status_of(problem)
    return page(request, "statements/statement.html", context, status_code=status)


@router.get("/statements/{person}/{period}", response_class=HTMLResponse)
def statement(
    request: Request, app: Workspace, login: CurrentLogin, person: str, period: str
) -> HTMLResponse:
    """A statement: the credited deals, every line, its disputes."""
    try:
        parse_period(period)
    except PipefitError as error:
        return error_page(request, PipefitError(error.message, field="period"))
    return statement_page(request, app, login, person, period)
