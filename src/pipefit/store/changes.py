"""Reading the history of amounts and close dates (table `opportunity_changes`).

Imports write it (Salesforce's OpportunityHistory, snapshots of re-imported exports);
forecasting and the pipeline waterfall read it through this adapter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from pipefit.domain.changes import ChangedField, DealChange
from pipefit.store.tables import opportunity_changes

__all__ = ["SqlDealChanges"]

ID_CHUNK = 500


class SqlDealChanges:
    """Works on one connection; the caller owns the transaction."""

    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def changes(
        self,
        opportunity_ids: Sequence[str] | None = None,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[DealChange]:
        """Changes of these deals (all deals when None) made in [since, until), by deal,
        then time, field and ordinal."""
        c = opportunity_changes
        query = select(c).order_by(c.c.opportunity_id, c.c.at, c.c.field, c.c.ordinal)
        if since is not None:
            query = query.where(c.c.at >= since)
        if until is not None:
            query = query.where(c.c.at < until)
        if opportunity_ids is None:
            return [_change(r) for r in self._conn.execute(query)]
        found: list[DealChange] = []
        for start in range(0, len(opportunity_ids), ID_CHUNK):
            chunk = list(opportunity_ids[start : start + ID_CHUNK])
            found.extend(
                _change(r) for r in self._conn.execute(query.where(c.c.opportunity_id.in_(chunk)))
            )
        found.sort(key=lambda d: (d.opportunity_id, d.at, str(d.field), d.ordinal))
        return found


def _change(row: Any) -> DealChange:
    values = dict(row._mapping)
    values["field"] = ChangedField(values["field"])
    return DealChange(**values)
