"""The pipeline board for a login: the open deals it may see (the access filter in the
query), filtered by owner, presales engineer and segment, in stage columns per pipeline
and segment, each card with its time in the current stage and stalled by the friction
report's rule (`domain.board`)."""

from __future__ import annotations

from datetime import datetime

from pipefit.analytics.query import ReportQuery
from pipefit.domain.access import AccessScope
from pipefit.domain.board import Board, StageStat, build_lanes
from pipefit.domain.clock import Clock, utc_now
from pipefit.services.ports.accounts import AccountsUnitOfWork
from pipefit.services.ports.analytics import AnalyticsSettings
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.reports import run_report

__all__ = ["PER_COLUMN", "pipeline_board", "stage_clock"]

PER_COLUMN = 40  # cards drawn per column; the count and total cover them all
TIME_IN_STAGE = "time-in-stage"


def stage_clock(
    uow: UnitOfWork, settings: AnalyticsSettings, now: datetime
) -> tuple[dict[tuple[str, str], StageStat], dict[str, float]]:
    """Each stage's p90 of completed visits (over every deal), and each open deal's time
    in its current stage so far: the time-in-stage report's figures, which the friction
    report's stalled rule reads too."""
    stages = run_report(uow, TIME_IN_STAGE, ReportQuery(now=now), settings).rows.to_pylist()
    stats = {
        (r["pipeline"], r["stage"]): StageStat(r["p90_days"], int(r["visits"] or 0))
        for r in stages
        if r.get("level") == "stage"
    }
    per_deal = run_report(uow, TIME_IN_STAGE, ReportQuery(by=("deal",), now=now), settings)
    days: dict[str, float] = {}
    for r in per_deal.rows.to_pylist():
        if r.get("open_days"):
            days[r["opportunity_id"]] = float(r["open_days"])
    return stats, days


def pipeline_board(
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    settings: AnalyticsSettings,
    *,
    owner: str | None = None,
    presales: str | None = None,
    segment: str | None = None,
    per_column: int = PER_COLUMN,
    clock: Clock = utc_now,
) -> Board:
    """The board as `scope` may see it; the filters' choices are what it may see."""
    now = clock()
    with accounts:
        visible = accounts.board.open_deals(scope.deal_owners, scope.deal_presales)
    with uow:
        pipelines = uow.deals.pipelines()
        names = {p.person_id: p.name for p in uow.pay.people() if scope.sees_person(p.person_id)}
    owners = sorted({d.opportunity.owner_id for d in visible if d.opportunity.owner_id})
    engineers = sorted({d.opportunity.presales_id for d in visible if d.opportunity.presales_id})
    segments = sorted({d.segment for d in visible if d.segment})
    kept = [
        d
        for d in visible
        if (not owner or d.opportunity.owner_id == owner)
        and (not presales or d.opportunity.presales_id == presales)
        and (not segment or d.segment == segment)
    ]
    stats, days = stage_clock(uow, settings, now) if kept else ({}, {})
    lanes = build_lanes(kept, pipelines, stats, days, per_column=per_column)
    return Board(lanes, owners, engineers, segments, names)
