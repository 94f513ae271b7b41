"""The funnel, once, as pure functions (the oracle of `analytics.reports.funnel`).

A pipeline's funnel steps are its open stages and its won stage(s), by position (lost
stages are where deals leave, not steps). A deal *entered* the stage it started in (the
first event's `from_stage`, or the stage it is in when it has no event) and every stage an
event moved it to. Two of HubSpot's forms:

- `in_order` ("went through every stage in order"): a deal counts for step k when it
  entered steps 1, 2, ..., k one after the other (re-entries and moves back do not undo
  it; a skipped step ends its path there);
- `reached` ("reached this stage at all"): a deal counts for step k when it entered step k
  or any later step at any time.

Lost deals are kept in: they count for the steps they reached, and they drop out at the
last one (the last open stage they reached). A deal's *depth* is the last step it counts
for; `drop_out` at step k is the deals whose depth is k (None at a won step: the funnel
ends there), `lost_here` and `open_here` those of them lost and still open.

The lead funnel: lead -> qualified -> opportunity -> won. A lead is *qualified* when its
status is `qualified` or it has an opportunity (a deal whose `lead_id` names it); it is an
*opportunity* when it has one; *won* when one of its deals is won.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "LEAD_STEPS",
    "LOST_STATUSES",
    "QUALIFIED_STATUSES",
    "WORKING_STATUSES",
    "DealRecord",
    "EventRecord",
    "FunnelRow",
    "LeadRecord",
    "StageRecord",
    "lead_funnel",
    "stage_funnel",
]

FORMS = ("in_order", "reached")
LEAD_STEPS = ("lead", "qualified", "opportunity", "won")
QUALIFIED_STATUSES = ("qualified",)  # a lead's status that says it was qualified
WORKING_STATUSES = ("new", "working")  # still being qualified
LOST_STATUSES = ("disqualified",)


@dataclass(frozen=True)
class StageRecord:
    pipeline: str
    stage: str
    position: int
    category: str  # open, won, lost


@dataclass(frozen=True)
class DealRecord:
    opportunity_id: str
    pipeline: str
    stage: str  # the stage it is in (as of the report's moment)
    outcome: str  # open, won, lost
    lead_id: str | None = None


@dataclass(frozen=True)
class EventRecord:
    opportunity_id: str
    seq: int
    from_stage: str | None
    to_stage: str


@dataclass(frozen=True)
class LeadRecord:
    lead_id: str
    status: str


@dataclass(frozen=True)
class FunnelRow:
    funnel: str  # stage or lead
    pipeline: str | None
    form: str  # in_order, reached; lead for the lead funnel
    step: int
    stage: str
    count: int
    conversion_to_next: float | None
    conversion_from_first: float | None
    drop_out: int | None
    drop_out_rate: float | None
    lost_here: int
    open_here: int


def ratio(part: int, whole: int) -> float | None:
    """part / whole to 4 places (half up), None when whole is 0."""
    if whole == 0:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), ROUND_HALF_UP))


def funnel_steps(stages: Iterable[StageRecord]) -> dict[str, list[StageRecord]]:
    """Each pipeline's steps: its open and won stages by position."""
    steps: dict[str, list[StageRecord]] = {}
    for s in sorted(stages, key=lambda s: (s.pipeline, s.position, s.stage)):
        if s.category in ("open", "won"):
            steps.setdefault(s.pipeline, []).append(s)
    return steps


def entered(deal: DealRecord, events: Sequence[EventRecord]) -> list[str]:
    """The stages a deal entered, in order (its events sorted by seq)."""
    ordered = sorted(events, key=lambda e: e.seq)
    if not ordered:
        return [deal.stage]
    start = [ordered[0].from_stage] if ordered[0].from_stage is not None else []
    return start + [e.to_stage for e in ordered]


def depths(
    deal: DealRecord, events: Sequence[EventRecord], steps: list[StageRecord]
) -> dict[str, int]:
    index = {s.stage: i + 1 for i, s in enumerate(steps)}
    path = [index[s] for s in entered(deal, events) if s in index]
    in_order = 0
    for step in path:  # greedy: the earliest entry of the next step after the last one
        if step == in_order + 1:
            in_order = step
    return {"in_order": in_order, "reached": max(path, default=0)}


def _rows(
    funnel: str,
    pipeline: str | None,
    form: str,
    names: list[str],
    won_steps: set[int],
    reached: list[tuple[int, str]],  # (depth, outcome) per deal or lead
) -> list[FunnelRow]:
    counts = [sum(1 for d, _ in reached if d >= k) for k in range(1, len(names) + 1)]
    rows = []
    for k, name in enumerate(names, start=1):
        here = [o for d, o in reached if d == k]
        count = counts[k - 1]
        drop = None if k in won_steps else len(here)
        rows.append(
            FunnelRow(
                funnel=funnel,
                pipeline=pipeline,
                form=form,
                step=k,
                stage=name,
                count=count,
                conversion_to_next=ratio(counts[k], count) if k < len(names) else None,
                conversion_from_first=ratio(count, counts[0]),
                drop_out=drop,
                drop_out_rate=None if drop is None else ratio(drop, count),
                lost_here=sum(1 for o in here if o == "lost"),
                open_here=sum(1 for o in here if o == "open"),
            )
        )
    return rows


def stage_funnel(
    stages: Iterable[StageRecord], deals: Iterable[DealRecord], events: Iterable[EventRecord]
) -> list[FunnelRow]:
    """Both forms of the funnel of every pipeline the deals are in."""
    steps = funnel_steps(stages)
    by_deal: dict[str, list[EventRecord]] = {}
    for e in events:
        by_deal.setdefault(e.opportunity_id, []).append(e)
    per_pipeline: dict[str, list[DealRecord]] = {}
    for d in deals:
        per_pipeline.setdefault(d.pipeline, []).append(d)
    rows: list[FunnelRow] = []
    for pipeline in sorted(per_pipeline):
        pipe_steps = steps.get(pipeline, [])
        if not pipe_steps:
            continue
        names = [s.stage for s in pipe_steps]
        won = {i + 1 for i, s in enumerate(pipe_steps) if s.category == "won"}
        measured = [
            (depths(d, by_deal.get(d.opportunity_id, []), pipe_steps), d.outcome)
            for d in per_pipeline[pipeline]
        ]
        for form in FORMS:
            reached = [(m[form], outcome) for m, outcome in measured]
            rows += _rows("stage", pipeline, form, names, won, reached)
    return rows


def lead_depth(lead: LeadRecord, deals: Sequence[DealRecord]) -> tuple[int, str]:
    """The lead's last step (1-4) and whether it is lost or still open there."""
    if any(d.outcome == "won" for d in deals):
        return 4, "won"
    if deals:
        return 3, "open" if any(d.outcome == "open" for d in deals) else "lost"
    if lead.status in QUALIFIED_STATUSES:
        return 2, "open"
    if lead.status in WORKING_STATUSES:
        return 1, "open"
    return 1, "lost" if lead.status in LOST_STATUSES else "parked"


def lead_funnel(leads: Iterable[LeadRecord], deals: Iterable[DealRecord]) -> list[FunnelRow]:
    """lead -> qualified -> opportunity -> won over the given leads (no rows without any)."""
    by_lead: dict[str, list[DealRecord]] = {}
    for d in deals:
        if d.lead_id is not None:
            by_lead.setdefault(d.lead_id, []).append(d)
    reached = [lead_depth(lead, by_lead.get(lead.lead_id, [])) for lead in leads]
    if not reached:
        return []
    return _rows("lead", None, "lead", list(LEAD_STEPS), {4}, reached)
