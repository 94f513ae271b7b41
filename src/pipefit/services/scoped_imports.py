"""Imports by upload: the same all-or-nothing import as `pipefit import`, for the logins
that run the workspace's data (admin, revops), audited. Problems name the files as they
were uploaded, never where the server kept them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.clock import Clock, utc_now
from pipefit.domain.imports import ImportRejected, RowError
from pipefit.domain.users import AuditEntry, UserRole
from pipefit.services.imports import ImportResult
from pipefit.services.ports.accounts import AccountsUnitOfWork

__all__ = ["IMPORTERS", "check_may_import", "import_upload"]

IMPORTERS = (UserRole.ADMIN, UserRole.REVOPS)


def check_may_import(scope: AccessScope) -> None:
    if scope.principal.role not in IMPORTERS:
        raise AccessDenied("imports are for admins and revops: they change everyone's data")


def _named(error: RowError) -> RowError:
    return RowError(Path(error.file).name, error.row, error.column, error.value, error.message)


def import_upload(
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    run: Callable[[], ImportResult],
    *,
    clock: Clock = utc_now,
) -> ImportResult:
    """Run the import (`run`: `import_files` on the uploaded files) for a login that may;
    a refusal keeps every row-level problem (file, row, column, value); a kept import is
    written to the audit log."""
    check_may_import(scope)
    try:
        result = run()
    except ImportRejected as refused:
        raise ImportRejected([_named(e) for e in refused.errors]) from None
    if not result.dry_run:
        record: dict[str, Any] = {
            "format": result.fmt,
            "files": [Path(f).name for f in result.files],
            "rows": dict(result.counts),
        }
        with accounts:
            accounts.audit.append(
                AuditEntry(scope.principal.email, clock(), "import", result.fmt, None, record)
            )
            accounts.commit()
    return result
