"""Disputes are kept on SQLite and PostgreSQL alike (migration 0011), with their audit
entry in the same transaction: a dispute whose unit of work is left uncommitted leaves
neither."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.domain.disputes import Dispute, DisputeStatus
from pipefit.domain.users import AuditEntry

RAISED = datetime(2025, 10, 2, 9, 30, tzinfo=UTC)


def test_a_dispute_is_kept_read_back_resolved_and_rolled_back_with_its_audit_entry(
    workspace: Workspace,
) -> None:
    app = App(workspace)
    try:
        dispute = Dispute(
            None, "emp-003", "2025Q3", "deal:ACME-RENEWAL-Q3", "ACME-RENEWAL-Q3: 100% owner",
            "closed in September", "rep@example.com", RAISED,
        )  # fmt: skip
        with app.disputes() as book:
            key = book.disputes.add(dispute)
            book.audit.append(AuditEntry("rep@example.com", RAISED, "dispute.raise", "x"))
            book.commit()
        with app.disputes() as book:
            kept = book.disputes.get(key)
            assert kept == replace(dispute, dispute_id=key)
            assert book.disputes.of_statement("emp-003", "2025Q3") == [kept]
            assert book.disputes.open_ones({"emp-007"}) == []
            assert book.disputes.open_ones(None) == [kept]
            done = replace(
                kept, status=DisputeStatus.RESOLVED, resolution="moved", resolved_by="pay@x",
                resolved_at=RAISED,
            )  # fmt: skip
            book.disputes.update(done)
            book.commit()
        with app.disputes() as book:
            assert book.disputes.get(key) == done and book.disputes.open_ones(None) == []
            book.disputes.add(replace(dispute, note="never kept"))
            book.audit.append(AuditEntry("rep@example.com", RAISED, "dispute.raise", "y"))
            # left without commit: rolled back
        with app.disputes() as book:
            assert [d.note for d in book.disputes.of_statement("emp-003", "2025Q3")] == [
                "closed in September"
            ]
            assert [e.target for e in book.audit.entries()] == ["x"]
    finally:
        app.close()
