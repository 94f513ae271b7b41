"""Disputes of statement lines: a person disputes a line of their own statement with a
note; a comp admin resolves it with a note. Each is written to the audit log in the same
transaction. The statement is read through the access policy first, so a statement the
login may not read answers exactly as an unknown person does (`scoped_statement`), and a
closed period's statements take no dispute (they are as they were paid)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.access import AccessScope
from pipefit.domain.closes import PeriodClose
from pipefit.domain.disputes import (
    Dispute,
    check_note,
    check_raiser,
    check_resolver,
    dispute_record,
    resolve,
)
from pipefit.domain.errors import NotFound, PipefitError
from pipefit.domain.periods import parse_period
from pipefit.domain.statements import Statement
from pipefit.domain.users import AuditEntry
from pipefit.services.ports.disputes import DisputesUnitOfWork
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.scoped_reports import scoped_statement

__all__ = [
    "StatementLine",
    "close_of",
    "open_disputes",
    "raise_dispute",
    "resolve_dispute",
    "statement_disputes",
    "statement_lines",
]


@dataclass(frozen=True)
class StatementLine:
    ref: str  # deal:<opportunity id> or pay:<n>
    text: str  # the line as the statement shows it


def statement_lines(s: Statement) -> list[StatementLine]:
    """The lines of a statement a person may dispute: each credited deal, each pay line."""
    deals = [
        StatementLine(
            f"deal:{c.deal.opportunity_id}", f"{c.deal.opportunity_id}: {c.describe(s.currency)}"
        )
        for c in s.deals
    ]
    pay = [StatementLine(f"pay:{i}", line.label) for i, line in enumerate(s.lines, start=1)]
    return deals + pay


def close_of(uow: UnitOfWork, period: str) -> PeriodClose | None:
    """The close that holds `period` (the period itself or one around it), if any."""
    try:
        chosen = parse_period(period)
    except PipefitError as exc:
        raise PipefitError(exc.message, field="period") from None
    with uow:
        closes = uow.pay.period_closes()
    for close in closes:
        other = close.closed
        if other.start <= chosen.start and chosen.end <= other.end:
            return close
    return None


def _read_only(close: PeriodClose) -> PipefitError:
    return PipefitError(
        f"{close.period} is closed (by {close.closed_by} on {close.closed_at.date()}): its "
        "statements stay as they were paid; a correction is paid as an adjustment in the "
        "first open period",
        field="period",
    )


def raise_dispute(
    book: DisputesUnitOfWork,
    uow: UnitOfWork,
    scope: AccessScope,
    config: CompensationConfig,
    currency: str,
    *,
    person_id: str,
    period: str,
    line: str,
    note: str,
    now: datetime | None = None,
) -> Dispute:
    """Dispute one line of one's own statement of an open period."""
    statement = scoped_statement(uow, scope, config, currency, person_id, period)
    check_raiser(scope, statement.person_id)
    close = close_of(uow, period)
    if close is not None:
        raise _read_only(close)
    text = {x.ref: x.text for x in statement_lines(statement)}.get(line.strip())
    if text is None:
        raise NotFound(f"no line '{line.strip()}' on this statement", field="dispute.line")
    at = now or datetime.now(UTC)
    dispute = Dispute(
        None, statement.person_id, statement.period.label, line.strip(), text,
        check_note(note), scope.principal.email, at,
    )  # fmt: skip
    with book:
        kept = replace(dispute, dispute_id=book.disputes.add(dispute))
        target = f"statement {kept.person_id} {kept.period} {kept.line}"
        book.audit.append(
            AuditEntry(scope.principal.email, at, "dispute.raise", target, None,
                       dispute_record(kept))
        )  # fmt: skip
        book.commit()
    return kept


def resolve_dispute(
    book: DisputesUnitOfWork,
    scope: AccessScope,
    dispute_id: int,
    resolution: str,
    *,
    now: datetime | None = None,
) -> Dispute:
    """A comp admin resolves an open dispute with a note (once)."""
    check_resolver(scope)
    at = now or datetime.now(UTC)
    with book:
        found = book.disputes.get(dispute_id)
        if found is None:
            raise NotFound(f"no dispute {dispute_id}", field="dispute")
        done = resolve(found, resolution, scope.principal.email, at)
        book.disputes.update(done)
        target = f"statement {done.person_id} {done.period} {done.line}"
        book.audit.append(
            AuditEntry(scope.principal.email, at, "dispute.resolve", target,
                       dispute_record(found), dispute_record(done))
        )  # fmt: skip
        book.commit()
    return done


def statement_disputes(
    book: DisputesUnitOfWork, scope: AccessScope, person_id: str, period: str
) -> list[Dispute]:
    """A statement's disputes, for whoever may read the statement."""
    if not scope.sees_pay(person_id):
        raise NotFound(f"no person '{person_id}'", field="person")
    label = parse_period(period).label
    with book:
        return book.disputes.of_statement(person_id, label)


def open_disputes(book: DisputesUnitOfWork, scope: AccessScope) -> list[Dispute]:
    """The open disputes of the statements the login may read (a comp admin: all)."""
    with book:
        found = book.disputes.open_ones(scope.pay)
    return [d for d in found if scope.sees_pay(d.person_id)]
