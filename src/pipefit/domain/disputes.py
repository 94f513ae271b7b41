"""Disputes of a pay statement's lines: a person says a line of their statement is wrong
(with a note); a comp admin resolves it (with a note). The rules, kept pure:

- only the person whose statement it is raises a dispute on it (their manager reads the
  statement, but the pay is the person's to question);
- only a comp admin resolves one, once;
- a closed period is read-only: its statements are as they were paid, so no dispute is
  raised on them (a late correction is paid as an adjustment in an open period).

A line is named by its reference on the statement (`deal:<opportunity id>` for a credited
deal, `pay:<n>` for the n-th pay line, from 1) and keeps the text it had when disputed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.errors import ConflictError, PipefitError
from pipefit.domain.users import UserRole

__all__ = [
    "NOTE_LIMIT",
    "Dispute",
    "DisputeStatus",
    "check_note",
    "check_raiser",
    "check_resolver",
    "dispute_record",
    "resolve",
]

NOTE_LIMIT = 2000


class DisputeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Dispute:
    dispute_id: int | None  # given by the store
    person_id: str
    period: str  # its label: 2025Q3
    line: str  # deal:opp-0042 or pay:2
    line_text: str  # the line as the statement showed it
    note: str
    raised_by: str  # the login's email
    raised_at: datetime
    status: DisputeStatus = DisputeStatus.OPEN
    resolution: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None


def check_note(note: str, field: str = "dispute.note") -> str:
    kept = note.strip()
    if not kept:
        raise PipefitError("a dispute needs a note saying what is wrong", field=field)
    if len(kept) > NOTE_LIMIT:
        raise PipefitError(
            f"a note holds at most {NOTE_LIMIT} characters (this one has {len(kept)})",
            field=field,
        )
    return kept


def check_raiser(scope: AccessScope, person_id: str) -> None:
    """Only the statement's own person raises a dispute on it."""
    if scope.principal.person_id != person_id:
        raise AccessDenied("only the person whose statement it is may dispute its lines")


def check_resolver(scope: AccessScope) -> None:
    if scope.principal.role is not UserRole.COMP_ADMIN:
        raise AccessDenied("only a comp admin resolves a dispute")


def resolve(dispute: Dispute, resolution: str, by: str, at: datetime) -> Dispute:
    """The dispute resolved with a note; refused if it already is."""
    if dispute.status is DisputeStatus.RESOLVED:
        raise ConflictError(
            f"dispute {dispute.dispute_id} was already resolved by {dispute.resolved_by}",
            field="dispute",
        )
    note = check_note(resolution, "dispute.resolution")
    return replace(
        dispute, status=DisputeStatus.RESOLVED, resolution=note, resolved_by=by, resolved_at=at
    )


def dispute_record(d: Dispute) -> dict[str, object]:
    """A dispute as the audit log keeps it (plain values). Not the line's text: it holds
    pay figures, and the audit log is read by admins who may not read that person's pay
    (the line's key says which line; the statement, where pay is visible, shows it)."""
    return {
        "dispute_id": d.dispute_id,
        "person": d.person_id,
        "period": d.period,
        "line": d.line,
        "note": d.note,
        "status": str(d.status),
        "resolution": d.resolution,
        "resolved_by": d.resolved_by,
    }
