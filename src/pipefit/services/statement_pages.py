"""The statements a login may read for a period: a pay run filtered by the access policy
(one's own; a manager's people; everyone's for a comp admin), and the closed periods."""

from __future__ import annotations

from dataclasses import dataclass

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.access import AccessScope
from pipefit.domain.closes import PeriodClose
from pipefit.domain.statements import Statement
from pipefit.services.compensation import run_period
from pipefit.services.period_close import list_closes
from pipefit.services.ports.pay import Skipped
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = ["VisibleStatements", "visible_statements"]


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
    run = run_period(uow, config, currency, period)
    return VisibleStatements(
        [s for s in run.statements if scope.sees_pay(s.person_id)],
        [x for x in run.skipped if scope.sees_pay(x[0])],
        list_closes(uow),
    )
