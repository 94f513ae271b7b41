"""Disputing statement lines, on the in-memory fakes: who may raise and resolve, what a
dispute needs, and that each is audited (the pay data comes from a stub statement)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipefit.domain.access import AccessDenied, AccessScope, Principal
from pipefit.domain.disputes import Dispute, DisputeStatus, check_note, resolve
from pipefit.domain.errors import ConflictError, NotFound, PipefitError
from pipefit.domain.users import UserRole
from pipefit.services.disputes import open_disputes, resolve_dispute, statement_disputes
from pipefit.store.memory.disputes import MemoryDisputeBook

AT = datetime(2025, 10, 2, 9, 30, tzinfo=UTC)


def scope(role: UserRole, person: str | None, pay: frozenset[str] | None) -> AccessScope:
    mine = frozenset({person}) if person else frozenset()
    return AccessScope(Principal(f"{role}@example.com", role, person), mine, frozenset(), mine,
                       mine, mine, frozenset(), pay)  # fmt: skip


REP = scope(UserRole.SALES_REP, "emp-003", frozenset({"emp-003"}))
PEER = scope(UserRole.SALES_REP, "emp-007", frozenset({"emp-007"}))
PAY = scope(UserRole.COMP_ADMIN, None, None)


def raised(book: MemoryDisputeBook, person: str = "emp-003") -> Dispute:
    dispute = Dispute(None, person, "2025Q3", "pay:1", "tier 1", "ACME-RENEWAL-Q3 is missing",
                      f"{person}@example.com", AT)  # fmt: skip
    key = book.disputes.add(dispute)
    found = book.disputes.get(key)
    assert found is not None
    return found


def test_a_dispute_needs_a_note_of_reasonable_length() -> None:
    with pytest.raises(PipefitError, match="needs a note"):
        check_note("   ")
    with pytest.raises(PipefitError, match="at most 2000"):
        check_note("x" * 2001)
    assert check_note("  late credit ") == "late credit"


def test_a_comp_admin_resolves_an_open_dispute_once_and_the_audit_log_has_before_and_after() -> (
    None
):
    book = MemoryDisputeBook()
    dispute = raised(book)
    done = resolve_dispute(book, PAY, dispute.dispute_id or 0, "credited in Q4", now=AT)
    assert done.status is DisputeStatus.RESOLVED and done.resolved_by == "comp_admin@example.com"
    entry = book.audit.log[-1]
    assert entry.action == "dispute.resolve"
    assert entry.before is not None and entry.before["status"] == "open"
    assert entry.after is not None and entry.after["resolution"] == "credited in Q4"
    assert book.committed == 1
    with pytest.raises(ConflictError, match="already resolved"):
        resolve(done, "again", "x", AT)


def test_no_one_but_a_comp_admin_resolves_and_nothing_is_written_when_refused() -> None:
    book = MemoryDisputeBook()
    dispute = raised(book)
    with pytest.raises(AccessDenied):
        resolve_dispute(book, REP, dispute.dispute_id or 0, "fine by me")
    with pytest.raises(NotFound):
        resolve_dispute(book, PAY, 404, "fine")
    assert book.committed == 0 and book.audit.log == []


def test_a_peer_neither_reads_nor_lists_anothers_disputes() -> None:
    book = MemoryDisputeBook()
    raised(book, "emp-003")
    raised(book, "emp-007")
    with pytest.raises(NotFound, match="no person 'emp-003'"):
        statement_disputes(book, PEER, "emp-003", "2025Q3")
    assert [d.person_id for d in open_disputes(book, PEER)] == ["emp-007"]
    assert [d.person_id for d in open_disputes(book, PAY)] == ["emp-003", "emp-007"]
    assert len(statement_disputes(book, REP, "emp-003", "2025Q3")) == 1
