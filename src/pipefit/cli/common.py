"""What every command module shares: consoles, the common options, opening a workspace.

Most commands take the same options: where the workspace is (--workspace/-w, --db) and
how to print (--format/-f). The decorators `with_app`, `with_format`, `with_workspace` and
`with_app_and_format` add them to a command's signature (which Typer reads) and hand the
command what they stand for (an open App, the format, the folder), so each command lists
only its own options.
"""

from __future__ import annotations

import functools
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar, cast

import typer
from rich.console import Console

from pipefit.bootstrap import App
from pipefit.domain.errors import PipefitError

__all__ = [
    "DbOpt",
    "FormatOpt",
    "OutputFormat",
    "RootDbOpt",
    "RootWorkspaceOpt",
    "WorkspaceOpt",
    "err",
    "inherited",
    "open_app",
    "out",
    "parse_amount",
    "parse_time",
    "with_app",
    "with_app_and_format",
    "with_format",
    "with_workspace",
]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

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


# The same two options before the command name (`pipefit -w DIR status`). No environment
# variable here: the command's own option reads it, so a value given before the command
# can beat the environment and one given on the command beats both (see `inherited`).
RootWorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder for the command (as if given after it).",
    ),
]
RootDbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL for the command (as if given after it)."),
]


def inherited(context: typer.Context | None, name: str, value: T) -> T:
    """The value of a command's option `name` (workspace or db): given on the command
    itself, else given before the command name, else the command's own (its environment
    variable or default). Without a context (a call from Python) the value as it is."""
    if context is None:
        return value
    source = context.get_parameter_source(name)
    # By name: Typer keeps its own copy of Click, whose ParameterSource is not public.
    if source is not None and source.name == "COMMANDLINE":
        return value
    before: T | None = context.find_root().params.get(name)
    return before if before is not None else value


def _option(name: str, annotation: Any, default: Any = None) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
    )


# Typer hands a parameter annotated as a Context the running command's context.
_CONTEXT = _option("cli_context", typer.Context)
_WORKSPACE = _option("workspace", WorkspaceOpt)
_DB = _option("db", DbOpt)
_FORMAT = _option("fmt", FormatOpt, OutputFormat.TABLE)


def _reshaped(
    wrapper: Callable[P, R], command: Callable[..., Any], *added: inspect.Parameter
) -> Callable[P, R]:
    """Give `wrapper` the command's name, help and parameters, less the first (which the
    wrapper supplies), plus `added` at the end: Typer reads the options from the signature."""
    functools.update_wrapper(wrapper, command)
    signature = inspect.signature(command, eval_str=True)
    parameters = [*list(signature.parameters.values())[1:], *added]
    # Typer also resolves annotations through get_type_hints: give it the evaluated ones.
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
    wrapper.__annotations__["return"] = signature.return_annotation
    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    return wrapper


def with_workspace(command: Callable[Concatenate[Path | None, P], R]) -> Callable[P, R]:
    """A command that needs only the workspace folder (not its database): it gets the
    folder given (or None) first; its users get --workspace/-w."""

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        context = cast("typer.Context | None", kwargs.pop("cli_context", None))
        workspace = cast("Path | None", kwargs.pop("workspace", None))
        return command(inherited(context, "workspace", workspace), *args, **kwargs)

    return _reshaped(run, command, _WORKSPACE, _CONTEXT)


def with_app(command: Callable[Concatenate[App, P], R]) -> Callable[P, R]:
    """A command on a workspace: it gets the workspace's App first, open for the length of
    the call; its users get --workspace/-w and --db."""

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        context = cast("typer.Context | None", kwargs.pop("cli_context", None))
        workspace = cast("Path | None", kwargs.pop("workspace", None))
        db = cast("str | None", kwargs.pop("db", None))
        with open_app(
            inherited(context, "workspace", workspace), inherited(context, "db", db)
        ) as instance:
            return command(instance, *args, **kwargs)

    return _reshaped(run, command, _WORKSPACE, _DB, _CONTEXT)


def with_format(command: Callable[Concatenate[OutputFormat, P], R]) -> Callable[P, R]:
    """A command that prints a report: it gets the output format first; its users get
    --format/-f."""

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        fmt = OutputFormat(cast("str", kwargs.pop("fmt", OutputFormat.TABLE)))
        return command(fmt, *args, **kwargs)

    return _reshaped(run, command, _FORMAT)


def with_app_and_format(
    command: Callable[Concatenate[App, OutputFormat, P], R],
) -> Callable[P, R]:
    """A report on a workspace: `command(instance, fmt, ...)`; its users get --workspace/-w,
    --db and --format/-f (in that order, after the command's own)."""
    return with_format(with_app(command))


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


# Commas only as thousands separators (1,234,567.5): "1,2,3" is not a number.
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
# What the database keeps exactly: 18 digits, 4 of them after the point.
MAX_AMOUNT = Decimal(10) ** 14
AMOUNT_STEP = Decimal("0.0001")


def parse_amount(value: str | None, option: str = "--amount") -> Decimal | None:
    """A number given on the command line, exactly: refused (one line) if it is not a
    plain finite number, has more than 4 decimal places or is 10^14 or more."""
    if value is None:
        return None
    text = value.strip()
    if "," in text and _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise PipefitError(f"{option} {value!r} is not a number") from None
    if not amount.is_finite():
        raise PipefitError(f"{option} {value!r} is not a finite number")
    if abs(amount) >= MAX_AMOUNT:
        raise PipefitError(
            f"{option} {value!r} is too large (at most {MAX_AMOUNT - AMOUNT_STEP:,})"
        )
    if amount != amount.quantize(AMOUNT_STEP):
        raise PipefitError(f"{option} {value!r} has more than 4 decimal places")
    return amount
