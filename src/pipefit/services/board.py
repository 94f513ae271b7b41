"""The pipeline board for a login: the open deals it may see (the access filter in the
query), filtered by owner, presales engineer and segment, in stage columns per pipeline
and segment, each card with its time in the current stage and stalled by the friction
report's rule (`domain.board`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from pipefit.analytics.query import ReportQuery
from pipefit.domain.access import AccessScope
from pipefit.domain.board import (
    Board,
    BoardDeal,
    BoardQuery,
    ColumnFigures,
    StageStat,
    build_lanes,
)
from pipefit.domain.clock import Clock, utc_now
from pipefit.domain.pipeline import Pipeline
from pipefit.services.kept import Kept, data_version
from pipefit.services.ports.accounts import AccountsUnitOfWork
from pipefit.services.ports.analytics import AnalyticsSettings
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.reports import run_report

__all__ = ["CLOCK_SECONDS", "PER_COLUMN", "kept_stage_clock", "pipeline_board", "stage_clock"]

PER_COLUMN = 12  # cards drawn per column; the count and total cover them all
CLOCK_SECONDS = 600.0  # how old the kept stage clock may be before it is read again
TIME_IN_STAGE = "time-in-stage"


Entered = dict[str, tuple[str, datetime]]  # deal -> (its stage, when it entered it)
Choices = tuple[list[str], list[str], list[str]]  # owners, presales engineers, segments


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


def kept_stage_clock(
    kept: Kept, uow: UnitOfWork, settings: AnalyticsSettings, clock: Clock = utc_now
) -> tuple[dict[tuple[str, str], StageStat], Entered]:
    """The stage clock as `kept` holds it (read the first time, then again in the
    background when older than CLOCK_SECONDS). A server calls it once at its start, so the
    first person to open the board does not wait for the replay of the stage log."""
    return kept.timed(
        ("stage-clock",), lambda: stage_clock(uow, settings, clock()), max_age=CLOCK_SECONDS
    )


def _person(typed: str | None, names: dict[str, str]) -> str | None:
    """A filter typed as an id, or as the name of one person the login sees (any case);
    as typed otherwise (then it matches no deal)."""
    if typed is None or typed in names:
        return typed
    wanted = typed.strip().casefold()
    found = [k for k, v in names.items() if v and v.strip().casefold() == wanted]
    return found[0] if len(found) == 1 else typed.strip()


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
    kept: Kept | None = None,
    version: int | None = None,
) -> Board:
    """The board as `scope` may see it; the filters' choices are what it may see. Each
    column is counted and totalled over all its deals; its `per_column` oldest deals are
    drawn, the longest in the stage first. With `kept`, the columns, the cards and the
    stage clock are read once per state of the data (a deal's time in its stage runs on
    from when it entered it, so it is worked out for `now` on every call); `version`: the
    data version the caller read already (else it is read here)."""
    now = clock()
    kept = kept or Kept(entries=0)
    query = BoardQuery(
        scope.deal_owners, scope.deal_presales, owner or None, presales or None, segment or None
    )
    if version is None:
        version = data_version(uow)  # before the data: see services.kept

    def read_columns() -> tuple[list[ColumnFigures], list[BoardDeal]]:
        with accounts:
            figures = accounts.board.figures(query)
            columns = sorted({(f.pipeline, f.segment, f.stage) for f in figures}, key=str)
            return figures, accounts.board.oldest(query, per_column, columns)

    def read_choices() -> Choices:
        with accounts:
            return accounts.board.choices(query)

    def read_people() -> tuple[dict[str, Pipeline], dict[str, str]]:
        with uow:
            return uow.deals.pipelines(), {p.person_id: p.name for p in uow.pay.people()}

    pipelines, everyone = kept.get(("board-people",), version, read_people)
    names = kept.get(
        ("board-names", scope.people),
        version,
        lambda: {k: v for k, v in everyone.items() if scope.sees_person(k)},
    )
    query = replace(
        query, owner=_person(query.owner, names), presales_id=_person(query.presales_id, names)
    )
    figures, drawn = kept.get(("board", query, per_column), version, read_columns)
    # Who and which segments the filters offer changes rarely; a new name may take
    # CLOCK_SECONDS to be offered (typing its id filters at once).
    access = (query.owners, query.presales)
    owners, engineers, segments = kept.timed(
        ("board-choices", access), read_choices, max_age=CLOCK_SECONDS
    )
    stats: dict[tuple[str, str], StageStat] = {}
    entered: Entered = {}
    if drawn:
        # The p90s move slowly, and a deal moved since the clock was read is shown as just
        # moved: the clock is kept across writes, read again in the background when older
        # than CLOCK_SECONDS (it replays the whole stage log: 25 s on a million deals, which
        # no one should wait for after each move). `uow` is done with here, so the
        # background reading is the only user of its connection.
        stats, entered = kept_stage_clock(kept, uow, settings, clock)
    days: dict[str, float] = {}
    for d in drawn:
        o = d.opportunity
        stage, since = entered.get(o.opportunity_id, (None, now))
        if stage == o.stage:  # else it moved since the clock was read: just now
            days[o.opportunity_id] = max(0.0, (now - since).total_seconds() / 86400)
    lanes = build_lanes(figures, drawn, pipelines, stats, days, per_column=per_column)
    return Board(lanes, owners, engineers, segments, names)
