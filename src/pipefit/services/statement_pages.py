"""The statements a login may read for a period: one's own; a manager's people's;
everyone's for a comp admin (by the access policy's pay scope), and the closed periods.

A login that reads a few people's pay gets their statements one by one (each reads only
that person's deals); only a login that reads everyone's runs the whole period."""

from __future__ import annotations

from dataclasses import dataclass

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.access import AccessScope
from pipefit.domain.closes import PeriodClose
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.statements import Statement
from pipefit.services.compensation import _period, run_period, statement_for
from pipefit.services.period_close import list_closes
from pipefit.services.ports.pay import Skipped
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = ["PAID_ROLES", "VisibleStatements", "visible_statements"]

PAID_ROLES = ("sales_rep", "presales")  # whom a pay run pays, as `comp run`


@dataclass(frozen=True)
class VisibleStatements:
    statements: list[Statement]
    skipped: list[Skipped]  # people the login may read who could not be paid, and why
    closes: list[PeriodClose]


def visible_statements(
    uow: UnitOfWork,
    scope: AccessScope,
    config: CompensationConfig,
    currency: str,
    period: str,
) -> VisibleStatements:
    """The period's statements of the people whose pay `scope` reads; nothing of others
    (not a row, not a count)."""
    _period(period)
    if scope.pay is None:
        run = run_period(uow, config, currency, period, roles=PAID_ROLES)
        return VisibleStatements(run.statements, run.skipped, list_closes(uow))
    statements: list[Statement] = []
    skipped: list[Skipped] = []
    for person in sorted(scope.pay):
        try:
            statement = statement_for(uow, config, currency, person, period)
        except NotFound:
            continue  # a login's person with no pay record: nothing to read
        except PipefitError as exc:
            skipped.append((person, "", str(exc)))
            continue
        if statement.role in PAID_ROLES:
            statements.append(statement)
    return VisibleStatements(statements, skipped, list_closes(uow))
