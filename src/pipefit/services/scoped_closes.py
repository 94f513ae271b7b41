"""Pay periods through the access policy: anyone signed in reads which periods are closed,
by whom and when (what the statements pages show); only a comp admin closes one
(`pipefit comp close`, written to the audit log) or reads what a close paid, as those
are everyone's pay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.users import AuditEntry, UserRole
from pipefit.services.period_close import ClosedPeriod, close_period, list_closes
from pipefit.services.ports.accounts import AccountsUnitOfWork
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = ["ClosedRow", "close_pay_period", "closed_periods"]


@dataclass(frozen=True)
class ClosedRow:
    """A closed period as the login may see it: the pay figures only for comp admins."""

    period: str
    closed_by: str
    closed_at: datetime
    statements: int | None  # how many people it paid (None: not the login's to know)
    variable_pay: Decimal | None  # what it paid everyone, in total (None: likewise)


def _reads_everyones_pay(scope: AccessScope) -> bool:
    return scope.pay is None


def closed_periods(uow: UnitOfWork, scope: AccessScope) -> list[ClosedRow]:
    """Every closed period, earliest first. Its count and total are everyone's pay: only
    whoever reads everyone's pay gets them (a manager's team is not the company)."""
    whole = _reads_everyones_pay(scope)
    return [
        ClosedRow(c.period, c.closed_by, c.closed_at, c.statements, c.variable_pay)
        if whole
        else ClosedRow(c.period, c.closed_by, c.closed_at, None, None)
        for c in list_closes(uow)
    ]


def close_pay_period(
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    config: CompensationConfig,
    currency: str,
    period: str,
    *,
    now: datetime | None = None,
) -> ClosedPeriod:
    """Close `period` as the login (a comp admin): `pipefit comp close`, closed by the
    login's email. The audit log keeps who closed which period and when, not what it paid
    (admins read the log, and the figures are pay)."""
    if scope.principal.role is not UserRole.COMP_ADMIN:
        raise AccessDenied("only a comp admin closes a pay period")
    at = now or datetime.now(UTC)
    done = close_period(uow, config, currency, period, closed_by=scope.principal.email, now=at)
    with accounts:
        accounts.audit.append(
            AuditEntry(scope.principal.email, at, "period.close", done.close.period, None,
                       {"period": done.close.period, "closed_by": done.close.closed_by})
        )  # fmt: skip
        accounts.commit()
    return done
