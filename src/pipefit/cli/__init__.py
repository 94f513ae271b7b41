"""The `pipefit` command. Each command parses, calls a service and renders; nothing more."""

from __future__ import annotations

import sys

import typer

from pipefit.cli import core
from pipefit.cli.common import RootDbOpt, RootWorkspaceOpt, err
from pipefit.cli.comp import comp_app, plan_app
from pipefit.cli.deals import activity_app, opportunity_app, pipeline_app
from pipefit.cli.errors import report_and_exit
from pipefit.cli.leads import leads_app
from pipefit.domain.errors import PipefitError

__all__ = ["app", "main"]

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


def main() -> None:
    try:
        app()
    except PipefitError as exc:
        report_and_exit(exc, err)
    except KeyboardInterrupt:
        err.print("error: interrupted; nothing half-written was kept", markup=False)
        sys.exit(130)
