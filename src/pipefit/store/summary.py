"""Counts and totals for `pipefit status`, computed in SQL (one pass per question)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, func, select, type_coerce

from pipefit.store import tables as t
from pipefit.store.types import Money

__all__ = ["Summary", "read_summary"]


@dataclass(frozen=True)
class RecentChange:
    opportunity_id: str
    from_stage: str | None
    to_stage: str
    substate: str | None
    at: datetime
    actor_id: str | None


@dataclass(frozen=True)
class Summary:
    counts: dict[str, int]
    by_stage: dict[str, dict[str, int]]  # pipeline -> stage -> count, in stage order
    by_segment: dict[str, dict[str, int]]  # segment -> outcome -> count
    open_pipeline: dict[str, Decimal]  # currency -> open amount
    won_amount: dict[str, Decimal]
    recent: list[RecentChange]


def _count(conn: Connection, table: object) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def read_summary(conn: Connection, *, recent: int = 5) -> Summary:
    counts = {
        name: _count(conn, table)
        for name, table in (
            ("opportunities", t.opportunities),
            ("accounts", t.accounts),
            ("people", t.people),
            ("leads", t.leads),
            ("stage_events", t.stage_events),
            ("activities", t.activities),
            ("contacts", t.contacts),
            ("teams", t.teams),
            ("quotas", t.quotas),
            ("customer_outcomes", t.customer_outcomes),
        )
    }
    order = {
        (r.pipeline, r.name): r.position
        for r in conn.execute(select(t.stages.c.pipeline, t.stages.c.name, t.stages.c.position))
    }
    rows = list(
        conn.execute(
            select(t.opportunities.c.pipeline, t.opportunities.c.stage, func.count()).group_by(
                t.opportunities.c.pipeline, t.opportunities.c.stage
            )
        )
    )
    rows.sort(key=lambda r: (r[0], order.get((r[0], r[1]), 999), r[1]))
    by_stage: dict[str, dict[str, int]] = {}
    for pipeline, stage, n in rows:
        by_stage.setdefault(pipeline, {})[stage] = int(n)

    segment = func.coalesce(t.accounts.c.segment, "no account")
    seg_rows = conn.execute(
        select(segment, t.opportunities.c.outcome, func.count())
        .select_from(
            t.opportunities.outerjoin(
                t.accounts, t.accounts.c.account_id == t.opportunities.c.account_id
            )
        )
        .group_by(segment, t.opportunities.c.outcome)
    )
    by_segment: dict[str, dict[str, int]] = {}
    for seg, outcome, n in seg_rows:
        by_segment.setdefault(seg, {})[outcome] = int(n)

    def money_by_currency(outcome: str) -> dict[str, Decimal]:
        total = type_coerce(func.sum(t.opportunities.c.amount), Money)
        result = conn.execute(
            select(t.opportunities.c.currency, total)
            .where(t.opportunities.c.outcome == outcome)
            .group_by(t.opportunities.c.currency)
        )
        return {cur: amount or Decimal(0) for cur, amount in result}

    changes = conn.execute(
        select(t.stage_events).order_by(t.stage_events.c.at.desc()).limit(recent)
    )
    return Summary(
        counts=counts,
        by_stage=by_stage,
        by_segment=by_segment,
        open_pipeline=money_by_currency("open"),
        won_amount=money_by_currency("won"),
        recent=[
            RecentChange(r.opportunity_id, r.from_stage, r.to_stage, r.substate, r.at, r.actor_id)
            for r in changes
        ],
    )
