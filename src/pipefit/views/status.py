"""What `status` shows: the workspace's records, its deals per stage and segment, its open
and won amounts, and the latest stage changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pipefit.analytics.status import StatusSummary
from pipefit.views.shapes import Column, Fact, Kind, Table, View

__all__ = ["status_view"]


def _document(summary: StatusSummary) -> dict[str, Any]:
    flat: dict[str, int] = {}
    for stages in summary.by_stage.values():
        for stage, n in stages.items():
            flat[stage] = flat.get(stage, 0) + n
    return summary.counts | {
        "by_stage": flat,
        "by_pipeline": summary.by_stage,
        "by_segment": summary.by_segment,
        "open_pipeline": summary.open_pipeline,
        "won_amount": summary.won_amount,
        "recent_changes": [
            {
                "opportunity_id": e.opportunity_id,
                "from_stage": e.from_stage,
                "to_stage": e.to_stage,
                "substate": e.substate,
                "at": e.at,
                "actor_id": e.actor_id,
            }
            for e in summary.recent
        ],
    }


def status_view(summary: StatusSummary, workspace_name: str) -> View:
    """JSON carries the whole summary; CSV the deals per stage; people get all of it."""
    counts = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in summary.counts.items())
    stages = Table(
        (Column("pipeline"), Column("stage"), Column("opportunities", Kind.INT)),
        [
            {"pipeline": p, "stage": s, "opportunities": n}
            for p, by_stage in summary.by_stage.items()
            for s, n in by_stage.items()
        ],
        title="Opportunities per stage",
        name="by_stage",
    )
    segments = Table(
        (
            Column("segment"),
            Column("open", Kind.INT),
            Column("won", Kind.INT),
            Column("lost", Kind.INT),
        ),
        [
            {
                "segment": seg,
                "open": v.get("open", 0),
                "won": v.get("won", 0),
                "lost": v.get("lost", 0),
            }
            for seg, v in sorted(summary.by_segment.items())
        ],
        title="Opportunities per segment",
        name="by_segment",
    )
    recent = Table(
        (
            Column("at", Kind.TIME),
            Column("opportunity"),
            Column("from"),
            Column("to"),
            Column("sub-state"),
            Column("by"),
        ),
        [
            {
                "at": e.at,
                "opportunity": e.opportunity_id,
                "from": e.from_stage,
                "to": e.to_stage,
                "sub-state": e.substate,
                "by": e.actor_id,
            }
            for e in summary.recent
        ],
        title="Recent stage changes",
        name="recent_changes",
    )
    facts: list[Fact] = []
    for currency, amount in summary.open_pipeline.items():
        won = summary.won_amount.get(currency, Decimal(0))
        facts.append(Fact("open_pipeline", "Open pipeline", amount, Kind.MONEY, currency))
        facts.append(Fact("won_amount", "Won to date", won, Kind.MONEY, currency))
    return View(
        title=f"{workspace_name}: {counts}",
        facts=facts,
        tables=[stages, segments, recent],
        document=_document(summary),
    )
