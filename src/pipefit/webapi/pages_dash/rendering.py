"""How the analytic pages are drawn, with the web pages' one Jinja2 environment
(`templating.environment`): a page is whole, or only its part when htmx asks for it (the
`HX-Request` header), so a form that redraws a chart works with JavaScript on (a partial
swap) and off (a full page)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from pipefit.domain.errors import PipefitError
from pipefit.webapi.errors import status_of
from pipefit.webapi.templating import environment, page_context

__all__ = ["error_page", "fragment", "is_partial", "page"]


def is_partial(request: Request) -> bool:
    """htmx asked for the part it swaps (a boosted link wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and "HX-Boosted" not in request.headers


def page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """The template drawn for `request`, with what the shared layout needs (the login,
    its CSRF token for every form, a flash: `templating.page_context`). Under a bearer
    token the CSRF token is empty: such calls need none."""
    shared = page_context(request)
    values = {
        "request": request,
        **shared,
        "csrf_token": shared["csrf_token"] or "",
        "partial": is_partial(request),
        **context,
    }
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status_code, headers={"Vary": "HX-Request"})


def fragment(template: str, context: dict[str, Any]) -> str:
    """A part of a page drawn alone, for no request in particular (it is kept and sent to
    many: `services.kept`), so it must hold nothing of one login's session."""
    return environment().get_template(template).render(context)


def error_page(request: Request, error: PipefitError) -> HTMLResponse:
    """A refusal as a page, in the domain's words, with the status the API would give."""
    status = status_of(error)
    return page(request, "dash/error.html", {"error": error}, status_code=status)
