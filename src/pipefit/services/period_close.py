"""Closing a pay period: keep everyone's statements of it as they were paid, with who
closed it and when; list the closes. Later changes to a closed period are paid as
adjustments in the first open period (see domain.closes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.closes import PeriodClose, check_close
from pipefit.domain.errors import PipefitError
from pipefit.domain.periods import KINDS, Period, parse_period
from pipefit.domain.statements import Statement, build_statement
from pipefit.services.paybook import bulk_objects, load_book
from pipefit.services.ports.pay import Skipped
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = ["ClosedPeriod", "close_period", "list_closes"]


@dataclass(frozen=True)
class ClosedPeriod:
    close: PeriodClose
    statements: list[Statement]  # one per person, for the closed period
    skipped: list[Skipped]  # not paid, so nothing kept: person, role, why
    adjustments: int  # adjustment lines paid in this period for earlier closes


def _period(text: str) -> Period:
    try:
        return parse_period(text)
    except PipefitError as exc:
        raise PipefitError(exc.message, field="period") from None


def close_period(
    uow: UnitOfWork,
    config: CompensationConfig,
    currency: str,
    period: str,
    *,
    closed_by: str,
    now: datetime | None = None,
    roles: Sequence[str] = ("sales_rep", "presales"),
) -> ClosedPeriod:
    """Close a period: compute everyone's statement of it (and of each paid period inside
    it) and keep them, with who closed it and when. Refused twice or out of order."""
    chosen = _period(period)
    if not closed_by.strip():
        raise PipefitError("a close needs the name of who closes it", field="close.by")
    with uow:
        check_close(chosen, uow.pay.period_closes())
        with bulk_objects():
            book = load_book(uow.pay, config, currency, chosen)
            shown: list[Statement] = []
            kept: list[Statement] = []
            skipped: list[Skipped] = []
            for person in sorted(book.people.values(), key=lambda p: p.person_id):
                if str(person.role) not in roles:
                    continue
                try:
                    payee = book.payee(person)
                    if payee is None:
                        skipped.append((person.person_id, str(person.role), "no plan"))
                        continue
                    ledger = book.ledger(payee)
                    closed = book.closed_pay(person.person_id)
                    statement = build_statement(ledger, chosen, closed=closed)
                    kind = payee.plan.pay_frequency.kind
                    parts = (
                        chosen.parts(kind) if KINDS.index(kind) > KINDS.index(chosen.kind) else []
                    )
                    inside = [build_statement(ledger, p, closed=closed) for p in parts]
                except PipefitError as exc:
                    skipped.append((person.person_id, str(person.role), str(exc)))
                    continue
                shown.append(statement)
                kept += [statement, *inside]
        if not shown and skipped:
            # Nothing would be kept (every plan pays over a longer period, say): no close.
            whom, _, why = skipped[0]
            raise PipefitError(
                f"{chosen} cannot be closed: no statement of it could be made ({whom}: {why})",
                field="period",
            )
        total = sum((s.variable_pay for s in shown), Decimal(0))
        close = PeriodClose(chosen.label, closed_by, now or datetime.now(UTC), len(shown), total)
        uow.pay.add_period_close(close, kept)
        uow.commit()
    adjustments = sum(1 for s in shown for line in s.lines if line.kind == "adjustment")
    return ClosedPeriod(close, shown, skipped, adjustments)


def list_closes(uow: UnitOfWork) -> list[PeriodClose]:
    """Every closed period, earliest first, with who closed it and when."""
    with uow:
        return uow.pay.period_closes()
