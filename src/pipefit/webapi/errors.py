"""Errors as JSON in the domain's words: `{"error": message, "field": name}`, with the
status the kind of error calls for; nothing unexpected ever leaves with a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipefit.domain.access import AccessDenied
from pipefit.domain.errors import ConflictError, GateRefused, NotFound, PipefitError
from pipefit.domain.imports import ImportRejected
from pipefit.services.deals import StaleVersion
from pipefit.services.scoped_deals import MoveRefused, VersionRequired
from pipefit.services.users import NotAuthenticated

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
    if isinstance(error, VersionRequired):
        return 428
    return 422


def body(message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": message, "field": field, **extra}


async def _pipefit(request: Request, exc: Exception) -> JSONResponse:
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
    return JSONResponse(
        body(exc.message, exc.field, **extra), status_code=status_of(exc), headers=headers
    )


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    where = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
    message = str(first.get("msg", "the request is not valid"))
    field = ".".join(where) or None
    return JSONResponse(body(f"{field}: {message}" if field else message, field), status_code=422)


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
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
