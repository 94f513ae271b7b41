"""/api/imports: upload CRM exports; the same all-or-nothing import as `pipefit import`,
its row-level problems as JSON."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, Field

from pipefit.domain.errors import PipefitError
from pipefit.services.imports import import_files
from pipefit.services.scoped_imports import check_may_import, import_upload
from pipefit.views.imports import import_view
from pipefit.webapi.auth import Workspace, WritingLogin
from pipefit.webapi.schemas import ErrorBody

__all__ = ["router"]

router = APIRouter(prefix="/api/imports", tags=["imports"])

FORMATS = ("native", "salesforce", "hubspot", "maven")
CHUNK = 1 << 20


class TableCount(BaseModel):
    """What the import did to one kind of record."""

    records: str = Field(description="The records: accounts, opportunities, stage_events, ...")
    rows: int = Field(description="Rows read.")
    new: int | None = Field(description="Rows added (null for a dry run).")
    updated: int | None = Field(description="Rows changed (null for a dry run).")
    unchanged: int | None = Field(description="Rows already there as given (null: dry run).")


class ImportOut(BaseModel):
    """An import kept (or checked, for a dry run)."""

    format: str = Field(description="The files' format.")
    dry_run: bool = Field(description="True: checked only, nothing written.")
    files: list[str] = Field(description="The files, as uploaded.")
    tables: list[TableCount] = Field(description="What it did to each kind of record.")
    notes: list[str] = Field(description="What it noted: kept, but worth a look.")


def _safe_name(name: str | None, taken: set[str]) -> str:
    """The uploaded file's own name (its folders dropped): the importer reads the native
    format's record types from the names, and problems name the files by them."""
    base = Path((name or "").replace("\\", "/")).name.strip()
    if not base or base in (".", "..") or not re.fullmatch(r"[\w .,()+-]{1,200}", base):
        raise PipefitError(
            f"an uploaded file needs a plain name (letters, digits, . _ -); got {name!r}",
            field="files",
        )
    if base in taken:
        raise PipefitError(f"two uploaded files are both called {base}", field="files")
    taken.add(base)
    return base


async def _save(upload: UploadFile, folder: Path, taken: set[str]) -> Path:
    path = folder / _safe_name(upload.filename, taken)
    with path.open("wb") as out:
        while chunk := await upload.read(CHUNK):
            out.write(chunk)
    return path


@router.post(
    "",
    response_model=ImportOut,
    status_code=201,
    responses={
        403: {"model": ErrorBody, "description": "Imports are for admins and revops."},
        409: {"model": ErrorBody, "description": "Another import is running."},
        422: {
            "model": ErrorBody,
            "description": "Refused, nothing written: `errors` lists every problem with its "
            "file, row, column and value.",
        },
    },
)
async def upload_import(
    app: Workspace,
    login: WritingLogin,
    files: Annotated[
        list[UploadFile],
        File(description="The CSV files (native: accounts.csv, opportunities.csv, ...)."),
    ],
    source_format: Annotated[
        str, Form(alias="format", description="native, salesforce, hubspot or maven.")
    ] = "native",
    mapping: Annotated[
        UploadFile | None, File(description="A mapping file (TOML) for any other layout.")
    ] = None,
    dry_run: Annotated[bool, Form(description="Check everything, write nothing.")] = False,
    strict: Annotated[
        bool, Form(description="Refuse the import on anything it would only note.")
    ] = False,
) -> Any:
    """Load CRM exports as `pipefit import` does: the import lands whole or not at all;
    re-importing the same files changes nothing. Written to the audit log."""
    check_may_import(login.scope)
    if source_format not in FORMATS:
        raise PipefitError(
            f"the format is one of {', '.join(FORMATS)}; got '{source_format}'", field="format"
        )
    with tempfile.TemporaryDirectory(prefix="pipefit-upload-") as tmp:
        folder = Path(tmp)
        taken: set[str] = set()
        paths = [await _save(f, folder, taken) for f in files]
        mapped = None
        if mapping is not None:
            (folder / "mapping").mkdir()
            mapped = await _save(mapping, folder / "mapping", set())
        result = import_upload(
            app.accounts(),
            login.scope,
            lambda: import_files(
                app.uow(), app.batch_reader, app.batch_loader, app.import_defaults, paths,
                fmt=source_format, mapping=mapped, dry_run=dry_run, strict=strict,
            ),
        )  # fmt: skip
    document = import_view(result).machine_document()
    document["files"] = [Path(f).name for f in document["files"]]
    return ImportOut.model_validate(document)
