"""Imports from the web pages: the same all-or-nothing `import_files`, checked first
(a dry run: every row-level problem, nothing written) and confirmed after, by revops and
admin only; a confirmed import is written to the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.users import AuditEntry, UserRole
from pipefit.services.imports import ImportDefaults, ImportResult, import_files
from pipefit.services.ports.accounts import AccountsUnitOfWork
from pipefit.services.ports.imports import BatchLoader, BatchReader
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = ["IMPORTERS", "ImportOptions", "check_importer", "check_upload", "confirm_upload"]

IMPORTERS = frozenset({UserRole.ADMIN, UserRole.REVOPS})


@dataclass(frozen=True)
class ImportOptions:
    """What `pipefit import` asks besides the files."""

    fmt: str = "native"
    mapping: Path | None = None
    date_format: str | None = None
    encoding: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    strict: bool = False


def check_importer(scope: AccessScope) -> None:
    if scope.principal.role not in IMPORTERS:
        raise AccessDenied("imports are for revops and admin")


def _run(
    uow: UnitOfWork,
    reader: BatchReader,
    loader: BatchLoader,
    defaults: ImportDefaults,
    paths: Sequence[Path],
    options: ImportOptions,
    *,
    dry_run: bool,
) -> ImportResult:
    return import_files(
        uow, reader, loader, defaults, paths, fmt=options.fmt, mapping=options.mapping,
        date_format=options.date_format, encoding=options.encoding, decimal=options.decimal,
        thousands=options.thousands, strict=options.strict, dry_run=dry_run,
    )  # fmt: skip


def check_upload(
    scope: AccessScope,
    uow: UnitOfWork,
    reader: BatchReader,
    loader: BatchLoader,
    defaults: ImportDefaults,
    paths: Sequence[Path],
    options: ImportOptions,
) -> ImportResult:
    """Read and check everything, write nothing (raises ImportRejected with every problem)."""
    check_importer(scope)
    return _run(uow, reader, loader, defaults, paths, options, dry_run=True)


def confirm_upload(
    scope: AccessScope,
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    reader: BatchReader,
    loader: BatchLoader,
    defaults: ImportDefaults,
    paths: Sequence[Path],
    options: ImportOptions,
    *,
    now: datetime | None = None,
) -> ImportResult:
    """Import, all or nothing (checked again: the data may have changed since the check),
    and write who imported what to the audit log."""
    check_importer(scope)
    result = _run(uow, reader, loader, defaults, paths, options, dry_run=False)
    with accounts:
        accounts.audit.append(
            AuditEntry(
                scope.principal.email, now or datetime.now(UTC), "import",
                ", ".join(p.name for p in paths), None,
                {"format": result.fmt, "files": [p.name for p in paths],
                 "rows": dict(result.counts)},
            )
        )  # fmt: skip
        accounts.commit()
    return result
