"""How the CLI tells a user what went wrong: one line, in the command line's own words.

Errors raised below the CLI speak the domain and name the input they are about as a
field (`reason`, `override.by`); `FLAGS` says which option of ours gives that input, so
the line can point at it: "closing X as Closed lost needs a reason (--reason)".
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

from rich.console import Console

from pipefit.domain.errors import PipefitError
from pipefit.domain.imports import ImportRejected
from pipefit.domain.outputs import OutputRefused

__all__ = ["FLAGS", "describe", "report", "report_and_exit"]

SHOWN_PROBLEMS = 200

# Domain field -> the option that sets it (or, in capitals, the argument). Keep one entry
# per field; a field that several commands take under one name maps once.
FLAGS: dict[str, str] = {
    "reason": "--reason",
    "user.email": "EMAIL",
    "user.role": "--role",
    "user.person": "--person",
    "user.password": "--password-stdin",
    "token.scope": "--scope",
    "token.id": "--revoke",
    "serve.address": "--host/--port",
    "serve.workers": "--workers",
    "actor": "--actor",
    "limit": "--limit",
    "opportunity.id": "OPPORTUNITY",
    "opportunity.at": "--at",
    "opportunity.account": "--account",
    "opportunity.owner": "--owner",
    "opportunity.presales": "--presales",
    "opportunity.stage": "--stage",
    "move.at": "--at",
    "correction.event": "--event",
    "correction.at": "--at",
    "correction.void": "--void",
    "correction.reason": "--reason",
    "correction.actor": "--actor",
    "activity.at": "--at",
    "activity.kind": "KIND",
    "activity.purpose": "--purpose",
    "activity.by": "--by",
    "date_format": "--date-format",
    "encoding": "--encoding",
    "decimal": "--decimal",
    "thousands": "--thousands",
    "snapshot_at": "--snapshot-at",
    "source_format": "--format",
    "override.by": "--by",
    "override.to": "--to",
    "override.until": "--until",
    "override.note": "--note",
    "override.decision": "--decision",
    "scoring.target": "--target",
    "scoring.positive": "--positive",
    "scoring.folds": "--folds",
    "scoring.exclude": "--exclude",
    "scoring.include": "--include",
    "scoring.model": "--model",
    "backtest.splits": "--splits",
    "scorecard.force": "--force",
    "chart": "--chart",
    "report": "NAME",
    "forecast.category": "CATEGORY",
    "forecast.by": "--by",
    "forecast.note": "--note",
    "report.by": "--by",
    "report.where": "--where",
    "report.as_of": "--as-of",
    "output.reports": "--out",
    "period": "--period",
    "calc.variable": "--variable",
    "calc.bookings": "--bookings",
    "close.by": "--by",
    "quota.owner_kind": "--pool",
    "quota.amount": "--amount",
    "quota.effective_at": "--from",
    "curves.plan": "--plan",
    "plan.reps_per_presales": "--reps-per-presales",
    "plan.rep_quota": "--rep-quota",
    "plan.gain": "--gain",
    "plan.hire_reps": "--reps",
    "plan.hire_presales": "--presales",
    "plan.team": "--team",
    "plan.weeks": "--weeks",
    "workspace": "--workspace",
    "database": "--db",
    "sample.opportunities": "--opportunities",
    "sample.seed": "--seed",
    "overwrite": "--overwrite",
    "output.errors": "--errors-csv",
    "output.scores": "--out",
    "output.model": "--save-model",
    "output.run": "--out",
    "output.curves": "--out",
    "output.sample": "--out",
    "output.demo": "--workspace",
}


def describe(exc: PipefitError) -> str:
    flag = FLAGS.get(exc.field or "")
    message = str(exc)
    if flag and flag not in message:
        message += f" ({flag})"
    if isinstance(exc, OutputRefused) and exc.replaceable:
        message += f"; {FLAGS['overwrite']} replaces it"
    return message


def report(exc: PipefitError, console: Console, also: Sequence[str] = ()) -> None:
    """List an import's problems (the first SHOWN_PROBLEMS), print the lines `also`, then
    the reason."""
    if isinstance(exc, ImportRejected):
        # The first problems in file and line order; --errors-csv keeps every one.
        for problem in exc.errors[:SHOWN_PROBLEMS]:
            console.print(f"  {problem}")
        if len(exc.errors) > SHOWN_PROBLEMS:
            hidden = len(exc.errors) - SHOWN_PROBLEMS
            console.print(f"  ... and {hidden} more (--errors-csv FILE writes all of them)")
    for line in also:
        console.print(f"error: {line}")
    console.print(f"error: {describe(exc)}")


def report_and_exit(exc: PipefitError, console: Console, also: Sequence[str] = ()) -> NoReturn:
    """`report`, then exit with status 1."""
    report(exc, console, also)
    sys.exit(1)
