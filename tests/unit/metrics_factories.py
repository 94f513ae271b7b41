"""Small relations built by hand from the oracles' records, for the report tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa

from pipefit.analytics.engine import connect
from pipefit.analytics.relations import RELATIONS
from pipefit.domain.metrics.records import CustomerRecord, DealRecord, EventRecord, QuotaRecord

STAGES = (("A", "open"), ("B", "open"), ("Won", "won"), ("Lost", "lost"))
START = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    """Day n after 1 January 2026 (UTC)."""
    return START + timedelta(days=n)


def table(name: str, rows: Sequence[dict[str, object]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=RELATIONS[name])


def relations(
    deals: Sequence[DealRecord],
    events: Sequence[EventRecord] = (),
    quotas: Sequence[QuotaRecord] = (),
    customers: Sequence[CustomerRecord] = (),
    people: Sequence[dict[str, object]] = (),
    pool_members: Sequence[dict[str, object]] = (),
    stages: Sequence[tuple[str, str]] = STAGES,
) -> duckdb.DuckDBPyConnection:
    return connect(
        {
            "deals": table("deals", [asdict(d) for d in deals]),
            "events": table("events", [asdict(e) for e in events]),
            "quotas": table("quotas", [asdict(q) for q in quotas]),
            "customers": table("customers", [asdict(c) for c in customers]),
            "people": table("people", people),
            "pool_members": table("pool_members", pool_members),
            "stages": table(
                "stages",
                [
                    {"pipeline": "p", "stage": name, "position": i + 1, "category": category}
                    for i, (name, category) in enumerate(stages)
                ],
            ),
        }
    )
