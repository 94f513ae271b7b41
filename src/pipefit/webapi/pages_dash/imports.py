"""/import: upload CRM exports with a format or a mapping file, see every row-level
problem (file, row, column, value) before anything is written, then confirm the import
(the same all-or-nothing service as `pipefit import`). For revops and admin only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pipefit.domain.access import AccessDenied
from pipefit.domain.errors import PipefitError
from pipefit.domain.imports import ImportRejected, RowError
from pipefit.services.imports import ImportResult
from pipefit.services.web_imports import check_importer
from pipefit.views.imports import import_view
from pipefit.webapi.auth import CurrentLogin
from pipefit.webapi.errors import status_of
from pipefit.webapi.pages_dash.rendering import page

__all__ = ["FORMATS", "import_page", "router"]

router = APIRouter(tags=["pages"], include_in_schema=False)

FORMATS = ("native", "salesforce", "hubspot", "maven")


def _error_rows(errors: list[RowError]) -> list[dict[str, Any]]:
    return [
        {
            "file": Path(e.file).name,
            "row": e.row,
            "column": e.column,
            "value": e.value,
            "problem": e.message,
        }
        for e in errors
    ]


def import_page(
    request: Request,
    *,
    form: dict[str, Any] | None = None,
    problem: PipefitError | None = None,
    result: ImportResult | None = None,
    upload: str | None = None,
) -> HTMLResponse:
    """The import page: the form, or what a check or an import found."""
    context: dict[str, Any] = {
        "formats": FORMATS,
        "form": form or {"fmt": "native"},
        "problem": problem,
        "errors": _error_rows(problem.errors) if isinstance(problem, ImportRejected) else [],
        "view": import_view(result) if result is not None else None,
        "upload": upload,
        "show_form": not isinstance(problem, AccessDenied) and upload is None,
    }
    status = 200 if problem is None else status_of(problem)
    return page(request, "imports/page.html", context, status_code=status)


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, login: CurrentLogin) -> HTMLResponse:
    """The upload form (revops and admin)."""
    try:
        check_importer(login.scope)
    except PipefitError as error:
        return import_page(request, problem=error)
    return import_page(request)
