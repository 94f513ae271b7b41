"""The `pipefit` command. Each command parses, calls a service and renders; nothing more."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from functools import cache
from typing import Any

import typer
import typer.main

from pipefit.cli import core
from pipefit.cli.common import RootDbOpt, RootWorkspaceOpt, err
from pipefit.cli.comp import comp_app, plan_app
from pipefit.cli.deals import activity_app, opportunity_app, pipeline_app
from pipefit.cli.errors import report
from pipefit.cli.leads import leads_app
from pipefit.cli.reports import register as register_reports
from pipefit.cli.serve import register as register_serve
from pipefit.cli.users import user_app
from pipefit.domain.errors import PipefitError

__all__ = ["app", "main", "run"]

app = typer.Typer(
    help="pipefit: a measurable pipeline, qualified leads, KPIs, pay and presales capacity.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def where(workspace: RootWorkspaceOpt = None, db: RootDbOpt = None) -> None:
    # `pipefit -w DIR status` as well as `pipefit status -w DIR`: the commands read these
    # through `common.inherited` when their own option is not given.
    del workspace, db


core.register(app)
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(activity_app, name="activity")
app.add_typer(opportunity_app, name="opportunity")
app.add_typer(comp_app, name="comp")
app.add_typer(plan_app, name="plan")
app.add_typer(leads_app, name="leads")
register_reports(app)
app.add_typer(user_app, name="user")
register_serve(app)


DEBUG = "PIPEFIT_DEBUG"


@cache
def _command() -> Any:
    return typer.main.get_command(app)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def run(args: Sequence[str] | None = None) -> int:
    """Run `pipefit ARGS` (default: the process's arguments) and return its exit status.

    What goes wrong reaches the user as one line on standard error and a non-zero status:
    a refusal (`PipefitError`) with its reason, a file the system would not read or write
    with the system's reason; anything else is a bug of ours, reported as an internal
    error (with PIPEFIT_DEBUG=1, the traceback instead)."""
    try:
        _command().main(args=args, prog_name="pipefit")
    except SystemExit as exited:
        code = exited.code
        if code is None or isinstance(code, int):
            return code or 0
        err.print(str(code), markup=False)
        return 1
    except PipefitError as exc:
        report(exc, err)
        return 1
    except KeyboardInterrupt:
        err.print("error: interrupted; nothing half-written was kept", markup=False)
        return 130
    except BrokenPipeError:
        # The reader went away (`pipefit status | head`): nothing more to say to it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if os.environ.get(DEBUG, "").strip() not in ("", "0"):
            raise
        if isinstance(exc, OSError) and exc.strerror:
            where = f" {exc.filename}" if exc.filename else ""
            err.print(f"error: cannot use{where}: {exc.strerror}", markup=False)
            return 1
        err.print(
            f"internal error: {_first_line(exc)}; please report it with the command you ran "
            f"({DEBUG}=1 shows the details)",
            markup=False,
        )
        return 1
    return 0


def main() -> None:
    sys.exit(run())
