"""Every form of the pages that changes something, in one place (so that the sessions'
CSRF check applies to all of them): disputing a statement line, resolving a dispute,
checking an upload, confirming or discarding an import.
Each answers a success with a redirect to the page that shows it (POST-redirect-GET), and
a refusal with that page, the reason above the form and the status the API would give."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipefit.domain.errors import PipefitError
from pipefit.services.disputes import raise_dispute, resolve_dispute
from pipefit.services.web_imports import (
    ImportOptions,
    check_importer,
    check_upload,
    confirm_upload,
)
from pipefit.webapi.auth import Workspace, WritingLogin
from pipefit.webapi.pages_dash.imports import FORMATS, import_page
from pipefit.webapi.pages_dash.rendering import error_page
from pipefit.webapi.pages_dash.statements import statement_page
from pipefit.webapi.pages_dash.uploads import discard, stage, staged

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


def _options(form: dict[str, Any], mapping: Path | None) -> ImportOptions:
    def text(key: str) -> str | None:
        value = str(form.get(key) or "").strip()
        return value or None

    fmt = text("fmt") or "native"
    if fmt not in FORMATS and fmt != "mapping":
        raise PipefitError(f"no format '{fmt}'; the formats are {', '.join(FORMATS)}",
                           field="import.format")  # fmt: skip
    if fmt == "mapping" and mapping is None:
        raise PipefitError("a mapping import needs its mapping file", field="import.mapping")
    return ImportOptions(
        fmt="native" if fmt == "mapping" else fmt, mapping=mapping,
        date_format=text("date_format"), encoding=text("encoding"), decimal=text("decimal"),
        thousands=form.get("thousands") or None, strict=bool(form.get("strict")),
    )  # fmt: skip


@router.post("/import/check", response_class=HTMLResponse)
def import_check(
    request: Request,
    app: Workspace,
    login: WritingLogin,
    files: Annotated[list[UploadFile], File()],
    mapping: Annotated[UploadFile | None, File()] = None,
    fmt: Text = "native",
    date_format: Text = "",
    encoding: Text = "",
    decimal: Text = "",
    thousands: Text = "",
    strict: Text = "",
    csrf_token: Text = "",
) -> Response:
    """Keep the uploaded files and check them whole: every problem, nothing written."""
    form = {"fmt": fmt, "date_format": date_format, "encoding": encoding, "decimal": decimal,
            "thousands": thousands, "strict": strict}  # fmt: skip
    upload = None
    try:
        check_importer(login.scope)
        chosen = mapping if mapping is not None and mapping.filename else None
        upload = stage(
            [(f.filename or "", f.file) for f in files if f.filename],
            (chosen.filename or "", chosen.file) if chosen is not None else None,
            login.email, form,
        )  # fmt: skip
        options = _options(form, upload.mapping)
        result = check_upload(
            login.scope, app.uow(), app.batch_reader, app.batch_loader, app.import_defaults,
            upload.files, options,
        )  # fmt: skip
    except PipefitError as error:
        if upload is not None:
            discard(upload)  # a refused check keeps nothing: upload again once fixed
        return import_page(request, form=form, problem=error)
    return import_page(request, form=form, result=result, upload=upload.token)


@router.post("/import/confirm", response_class=HTMLResponse)
def import_confirm(
    request: Request,
    app: Workspace,
    login: WritingLogin,
    upload: Text = "",
    csrf_token: Text = "",
) -> Response:
    """Import the checked upload, all or nothing (checked again as it is written)."""
    try:
        check_importer(login.scope)
        waiting = staged(upload, login.email)
    except PipefitError as error:
        return import_page(request, problem=error)
    form = waiting.options
    try:
        result = confirm_upload(
            login.scope, app.uow(), app.accounts(), app.batch_reader, app.batch_loader,
            app.import_defaults, waiting.files, _options(form, waiting.mapping),
        )  # fmt: skip
    except PipefitError as error:
        discard(waiting)
        return import_page(request, form=form, problem=error)
    discard(waiting)
    return import_page(request, form=form, result=result)


@router.post("/import/discard", response_class=HTMLResponse)
def import_discard(
    request: Request, login: WritingLogin, upload: Text = "", csrf_token: Text = ""
) -> Response:
    """Drop a checked upload without importing it."""
    try:
        discard(staged(upload, login.email))
    except PipefitError as error:
        return import_page(request, problem=error)
    return RedirectResponse("/import", status_code=303)
