"""Errors as JSON in the domain's words: `{"error": message, "field": name}`, with the
status the kind of error calls for; nothing unexpected ever leaves with a traceback.
A web page (any path outside /api and the docs) gets the same message as a page, and a
page asked for without a login is sent to /login first."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipefit.domain.access import AccessDenied
from pipefit.domain.errors import ConflictError, GateRefused, NotFound, PipefitError
from pipefit.domain.imports import ImportRejected
from pipefit.services.deals import StaleVersion
from pipefit.services.scoped_deals import MoveRefused, VersionRequired
from pipefit.services.users import NotAuthenticated
from pipefit.services.web_sessions import LoginThrottled

__all__ = ["install", "status_of"]

log = logging.getLogger("pipefit.webapi")


def status_of(error: PipefitError) -> int:
    if isinstance(error, NotAuthenticated):
        return 401
    if isinstance(error, AccessDenied):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, ConflictError | GateRefused):
        return 409
    if isinstance(error, LoginThrottled):
        return 429
    if isinstance(error, VersionRequired):
        return 428
    return 422


_NOT_PAGES = ("/api", "/docs", "/openapi.json", "/static")


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(_NOT_PAGES)


def _page(request: Request, message: str, status: int, headers: Any = None) -> Response:
    """The error as a page, in the layout (imported here: templates load Jinja2)."""
    from pipefit.webapi.templating import login_url, render

    if status == 401:
        url = login_url(request) if request.method == "GET" else "/login"
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)
    if request.headers.get("hx-request") == "true":  # into the part of the page it targets
        return render(request, "_error.html", status_code=status, headers=headers,
                      message=message)  # fmt: skip
    return render(request, "error.html", status_code=status, headers=headers,
                  status=status, message=message)  # fmt: skip


def body(message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": message, "field": field, **extra}


async def _pipefit(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PipefitError)
    extra: dict[str, Any] = {}
    if isinstance(exc, MoveRefused):
        extra["missing"] = exc.missing
    if isinstance(exc, ConflictError):
        extra["conflict"] = True
    if isinstance(exc, StaleVersion):
        extra["current_version"] = exc.current
    if isinstance(exc, ImportRejected):
        extra["errors"] = [
            {"file": e.file, "row": e.row, "column": e.column, "value": e.value,
             "message": e.message}
            for e in exc.errors
        ]  # fmt: skip
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
    if isinstance(exc, LoginThrottled):
        headers = {"Retry-After": str(exc.retry_after)}
    if is_page(request):
        return _page(request, exc.message, status_of(exc), headers)
    return JSONResponse(
        body(exc.message, exc.field, **extra), status_code=status_of(exc), headers=headers
    )


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    message = str(first.get("msg", "the request is not valid"))
    field = ".".join(where) or None
    if is_page(request):
        return _page(request, f"{field}: {message}" if field else message, 422)
    return JSONResponse(body(f"{field}: {message}" if field else message, field), status_code=422)


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if is_page(request) and exc.status_code in (404, 405):
        what = "no such page" if exc.status_code == 404 else "this page does not take that"
        return _page(request, what, exc.status_code)
    return JSONResponse(body(str(exc.detail)), status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return JSONResponse(
        body("internal error: the server could not answer; the log has the details"),
        status_code=500,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(PipefitError, _pipefit)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
