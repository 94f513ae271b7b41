"""The pipeline board for a login: the open deals it may see (the access filter in the
query), filtered by owner, presales engineer and segment, in stage columns per pipeline
and segment, each card with its time in the current stage and stalled by the friction
report's rule (`domain.board`)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from pipefit.analytics.query import ReportQuery
from pipefit.domain.access import AccessScope
from pipefit.domain.board import Board, BoardQuery, StageStat, build_lanes
from pipefit.domain.clock import Clock, utc_now
from pipefit.services.ports.accounts import AccountsUnitOfWork
from pipefit.services.ports.analytics import AnalyticsSettings
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.reports import run_report

__all__ = ["PER_COLUMN", "StageClock", "pipeline_board", "stage_clock"]

PER_COLUMN = 25  # cards drawn per column; the count and total cover them all
TIME_IN_STAGE = "time-in-stage"


Entered = dict[str, tuple[str, datetime]]  # deal -> (its stage, when it entered it)


def stage_clock(
    uow: UnitOfWork, settings: AnalyticsSettings, now: datetime
) -> tuple[dict[tuple[str, str], StageStat], Entered]:
    """Each stage's p90 of completed visits (over every deal), and when each open deal
    entered its current stage: the time-in-stage report's figures, which the friction
    report's stalled rule reads too."""
    stages = run_report(uow, TIME_IN_STAGE, ReportQuery(now=now), settings).rows.to_pylist()
    stats = {
        (r["pipeline"], r["stage"]): StageStat(r["p90_days"], int(r["visits"] or 0))
        for r in stages
        if r.get("level") == "stage"
    }
    per_deal = run_report(uow, TIME_IN_STAGE, ReportQuery(by=("deal",), now=now), settings)
    entered: Entered = {}
    for r in per_deal.rows.to_pylist():
        if r.get("open_days"):
            entered[r["opportunity_id"]] = (r["stage"], now - timedelta(days=r["open_days"]))
    return stats, entered


class StageClock:
    """`stage_clock`, kept for `ttl` in one process: the p90s change slowly, and a deal's
    time in its stage runs on from when it entered it. A deal moved since is shown as
    just moved (its stage no longer the one kept). Each worker process keeps its own."""

    def __init__(self, ttl: timedelta = timedelta(seconds=60)) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._kept: tuple[datetime, dict[tuple[str, str], StageStat], Entered] | None = None

    def read(
        self, uow: UnitOfWork, settings: AnalyticsSettings, now: datetime
    ) -> tuple[dict[tuple[str, str], StageStat], Entered]:
        with self._lock:  # one computation at a time; the others wait for its result
            kept = self._kept
            if kept is None or not timedelta(0) <= now - kept[0] < self.ttl:
                stats, entered = stage_clock(uow, settings, now)
                kept = self._kept = (now, stats, entered)
            return kept[1], kept[2]


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
    kept: StageClock | None = None,
) -> Board:
    """The board as `scope` may see it; the filters' choices are what it may see. Each
    column is counted and totalled over all its deals; its `per_column` oldest deals are
    drawn, the longest in the stage first."""
    now = clock()
    query = BoardQuery(
        scope.deal_owners, scope.deal_presales, owner or None, presales or None, segment or None
    )
    with accounts:
        figures = accounts.board.figures(query)
        drawn = accounts.board.oldest(query, per_column) if figures else []
        owners, engineers, segments = accounts.board.choices(query)
    with uow:
        pipelines = uow.deals.pipelines()
        names = {p.person_id: p.name for p in uow.pay.people() if scope.sees_person(p.person_id)}
    stats: dict[tuple[str, str], StageStat] = {}
    entered: Entered = {}
    if drawn:
        stats, entered = (kept or StageClock()).read(uow, settings, now)
    days: dict[str, float] = {}
    for d in drawn:
        o = d.opportunity
        stage, since = entered.get(o.opportunity_id, (None, now))
        if stage == o.stage:  # else it moved since the clock was read: just now
            days[o.opportunity_id] = (now - since).total_seconds() / 86400
    lanes = build_lanes(figures, drawn, pipelines, stats, days, per_column=per_column)
    return Board(lanes, owners, engineers, segments, names)
