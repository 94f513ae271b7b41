"""Two people editing the same deal at once, on SQLite and on PostgreSQL: both read the
same version, one edit lands, the other is a conflict naming the version now. Never a
silent overwrite, and never an edit kept without its audit entry."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any, Self

from sqlalchemy import select

from pipefit.bootstrap import App
from pipefit.config import Workspace
from pipefit.domain.errors import ConflictError
from pipefit.domain.model import Opportunity
from pipefit.domain.users import AuditEntry
from pipefit.services.deals import create_opportunity, edit_opportunity
from pipefit.store import tables
from pipefit.store.account_tables import audit_log
from pipefit.store.unit_of_work import SqlUnitOfWork


class _ReadTogether(SqlUnitOfWork):
    """Both editors read the deal before either writes: `get` waits for the other."""

    def __init__(self, app: App, barrier: threading.Barrier) -> None:
        workspace = app.workspace
        super().__init__(app.engine, workspace.database_url, workspace.config.pipelines_by_name())
        self._barrier = barrier

    def __enter__(self) -> Self:
        opened = super().__enter__()
        deals, barrier = self.deals, self._barrier
        read = deals.get

        def get_then_wait(opportunity_id: str) -> Opportunity:
            found = read(opportunity_id)
            barrier.wait(timeout=20)
            return found

        deals.get = get_then_wait  # type: ignore[method-assign]
        return opened


def test_two_concurrent_edits_of_one_deal_one_lands_and_the_other_is_a_conflict(
    workspace: Workspace,
) -> None:
    setup = App(workspace)
    create_opportunity(setup.uow(), "ACME-RENEWAL-Q3", pipeline=None, default_pipeline="inbound")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def editor(name: str, amount: str) -> None:
        app = App(workspace)

        def audit(before: Opportunity, after: Opportunity) -> AuditEntry:
            return AuditEntry(
                name, after.created_at, "opportunity.edit", after.opportunity_id,
                {"amount": str(before.amount)}, {"amount": str(after.amount)},
            )  # fmt: skip

        try:
            edit_opportunity(
                _ReadTogether(app, barrier), "ACME-RENEWAL-Q3", expected_version=0,
                changes={"amount": Decimal(amount)}, audit=audit,
            )  # fmt: skip
            outcomes[name] = f"edited {amount}"
        except ConflictError as exc:
            outcomes[name] = f"conflict: {exc}"
        finally:
            app.close()

    threads = [
        threading.Thread(target=editor, args=("dana@example.com", "12000.00")),
        threading.Thread(target=editor, args=("lee@example.com", "15000.00")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(v.split(" ")[0] for v in outcomes.values()) == ["conflict:", "edited"]
    [winner] = [n for n, v in outcomes.items() if v.startswith("edited")]
    with setup.engine.connect() as conn:
        deal: Any = conn.execute(
            select(tables.opportunities).where(
                tables.opportunities.c.opportunity_id == "ACME-RENEWAL-Q3"
            )
        ).one()
        entries = list(conn.execute(select(audit_log)))
    assert deal.version == 1  # one change, not two
    assert f"edited {deal.amount:.2f}" == outcomes[winner]  # the winner's amount, kept whole
    assert [e.actor for e in entries] == [winner]  # the loser left no audit entry behind
    setup.close()
