"""workspace_status: what a workspace holds, where its deals stand, what changed lately."""

from __future__ import annotations

from pipefit.analytics.status import StatusSummary, summarise
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = ["workspace_status"]


def workspace_status(uow: UnitOfWork, *, recent: int = 5) -> StatusSummary:
    """Counts per record kind, stage and segment; open and won amounts; recent moves."""
    with uow:
        status = uow.status
        return summarise(
            status.table_counts(),
            status.stage_positions(),
            status.opportunity_groups(),
            status.recent_changes(recent),
        )
