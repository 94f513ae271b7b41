"""What every command module shares: consoles, the common options, opening a workspace."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from pipefit.bootstrap import App
from pipefit.domain.errors import PipefitError

__all__ = [
    "DbOpt",
    "FormatOpt",
    "OutputFormat",
    "WorkspaceOpt",
    "err",
    "open_app",
    "out",
    "parse_amount",
    "parse_time",
]

# Piped output is for files and scripts: never squeeze tables to 80 columns there.
out = Console(highlight=False, markup=False, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        envvar="PIPEFIT_WORKSPACE",
        help="Workspace folder (holds pipefit.toml). Default: the current directory.",
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="PIPEFIT_DATABASE_URL",
        help="Database URL (default: SQLite pipefit.db in the workspace).",
    ),
]


class OutputFormat(StrEnum):
    """table for people; json and csv for scripts (plain numbers, ISO dates, ids)."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="Output: table (default), json or csv."),
]


@contextmanager
def open_app(workspace: Path | None, db: str | None) -> Iterator[App]:
    """Open a workspace (schema brought up to date) for the length of a command."""
    instance = App.open(workspace, database_url=db)
    try:
        yield instance
    finally:
        instance.close()


def parse_time(value: str | None, option: str = "--at") -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PipefitError(
            f"{option} {value!r} is not an ISO 8601 time (e.g. 2026-03-02 or 2026-03-02T14:30Z)"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_amount(value: str | None, option: str = "--amount") -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.replace(",", ""))
    except InvalidOperation:
        raise PipefitError(f"{option} {value!r} is not a number") from None
