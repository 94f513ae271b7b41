"""Hand-built relations for the time-in-stage, friction and signals reports: a small
pipeline (Discovery, Evaluation, Proposal with sub-states, Won, Lost), deals and their
stage logs written as (stage, when) lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from pipefit.analytics.engine import connect
from pipefit.analytics.relations import RELATIONS
from pipefit.domain.metrics.visits import LoggedEvent

PIPELINE = "sales"
STAGES = {
    "Discovery": (1, "open"),
    "Evaluation": (2, "open"),
    "Proposal": (3, "open"),
    "Won": (4, "won"),
    "Lost": (5, "lost"),
}
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    """`n` days after 1 January 2025 (day(0) is 1 January)."""
    return T0 + timedelta(days=n)


Move = tuple[str, datetime] | tuple[str, datetime, str | None]


def log(opportunity_id: str, moves: Sequence[Move]) -> list[dict[str, Any]]:
    rows = []
    before: str | None = None
    for seq, move in enumerate(moves, start=1):
        stage, at = move[0], move[1]
        substate = move[2] if len(move) > 2 else None
        position, category = STAGES[stage]
        rows.append(
            {
                "opportunity_id": opportunity_id,
                "seq": seq,
                "pipeline": PIPELINE,
                "from_stage": before,
                "to_stage": stage,
                "substate": substate,
                "at": at,
                "category": category,
                "position": position,
            }
        )
        before = stage
    return rows


def deal(opportunity_id: str, moves: Sequence[Move] = (), **values: Any) -> dict[str, Any]:
    last = moves[-1] if moves else ("Discovery", T0)
    category = STAGES[last[0]][1]
    row: dict[str, Any] = {
        "opportunity_id": opportunity_id,
        "pipeline": PIPELINE,
        "stage": last[0],
        "substate": last[2] if len(last) > 2 else None,
        "outcome": category,
        "currency": "USD",
        "amount_home": 1000.0,
        "created_at": moves[0][1] if moves else T0,
        "closed_at": last[1] if category != "open" else None,
        "owner_id": "rep-1",
        "presales_id": "pre-1",
        "team_id": "team-1",
        "segment": "smb",
        "source": "web",
        "product": "core",
    }
    row.update(values)
    return row


def stages_table() -> pa.Table:
    rows = [
        {"pipeline": PIPELINE, "stage": name, "position": p, "category": c}
        for name, (p, c) in STAGES.items()
    ]
    return pa.Table.from_pylist(rows, schema=RELATIONS["stages"])


def relations(
    deals: Iterable[tuple[dict[str, Any], Sequence[Move]]],
    activities: Sequence[dict[str, Any]] = (),
) -> dict[str, pa.Table]:
    deal_rows, event_rows = [], []
    for row, moves in deals:
        deal_rows.append(row)
        event_rows.extend(log(row["opportunity_id"], moves))
    return {
        "deals": pa.Table.from_pylist(deal_rows, schema=RELATIONS["deals"]),
        "events": pa.Table.from_pylist(event_rows, schema=RELATIONS["events"]),
        "stages": stages_table(),
        "activities": pa.Table.from_pylist(list(activities), schema=RELATIONS["activities"]),
    }


def build(deals: Sequence[tuple[str, Sequence[Move], dict[str, Any]]]) -> dict[str, pa.Table]:
    """Relations from (id, moves, deal values) triples."""
    return relations((deal(i, m, **v), m) for i, m, v in deals)


def logged(events: pa.Table) -> list[LoggedEvent]:
    """The oracle's records of an events relation."""
    return [
        LoggedEvent(
            opportunity_id=r["opportunity_id"],
            seq=r["seq"],
            pipeline=r["pipeline"],
            stage=r["to_stage"],
            substate=r["substate"],
            at=r["at"],
            category=r["category"],
            position=r["position"],
        )
        for r in events.to_pylist()
    ]


__all__ = ["PIPELINE", "T0", "build", "connect", "day", "deal", "log", "logged", "relations"]
