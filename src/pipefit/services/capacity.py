"""Capacity use cases: the multiplier for a scenario or for the workspace's segments, the
planning comparison (hire reps / make presales more productive / hire presales) and the
presales workload. They read the history and the team through a unit of work; the
figures over the history are `analytics.capacity`'s, the formulas the domain's."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pyarrow as pa

from pipefit.analytics import capacity as figures
from pipefit.config.compensation import CapacityConfig, CompensationConfig
from pipefit.domain.capacity import (
    Multiplier,
    SegmentCapacity,
    SegmentFacts,
    average,
    hundredths,
    multiplier,
    norm_for,
    segment_capacity,
)
from pipefit.domain.errors import PipefitError
from pipefit.domain.model import Person, Role
from pipefit.domain.money import exact
from pipefit.domain.periods import Period
from pipefit.domain.planning import Option, TeamFacts, Workload, plan_options
from pipefit.domain.quotas import NoQuota
from pipefit.domain.workload import PresalesLoad, assess_workload
from pipefit.services.paybook import PayBook, load_org
from pipefit.services.ports.history import HistorySource
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = [
    "CapacityReport",
    "PlanningReport",
    "WorkloadReport",
    "capacity_scenario",
    "plan_team",
    "presales_workload",
    "workspace_capacity",
]

_YEAR = timedelta(days=365)


def capacity_scenario(
    reps_per_presales: Decimal,
    rep_quota: Decimal,
    gain: Decimal | None = None,
    *,
    capacity: CapacityConfig | None = None,
) -> Multiplier:
    """The article's arithmetic for one scenario: no history needed. Without a gain, the
    configured default gain."""
    if reps_per_presales <= 0:
        raise PipefitError(
            f"the reps each presales person covers must be above 0, not {reps_per_presales}",
            field="plan.reps_per_presales",
        )
    if rep_quota < 0:
        raise PipefitError(
            f"a rep's quota is {rep_quota}; it cannot be negative", field="plan.rep_quota"
        )
    chosen = gain if gain is not None else (capacity or CapacityConfig()).default_gain
    if chosen < 0:
        raise PipefitError(f"the gain is {chosen}; it cannot be negative", field="plan.gain")
    return multiplier(reps_per_presales, rep_quota, chosen)


def _as_of(history: HistorySource, as_of: datetime | None) -> datetime:
    if as_of is not None:
        return as_of
    latest = history.latest_close()
    now = datetime.now(UTC)
    # A history that ends before today (an export, the sample company) ends where it ends.
    return min(now, latest + timedelta(seconds=1)) if latest else now


def _year_quota(book: PayBook, rep: str, year: int) -> Decimal | None:
    try:
        return book.person_quota(rep, Period(year, "year")).amount
    except NoQuota:
        return None


@dataclass(frozen=True)
class CapacityReport:
    as_of: datetime
    window: str
    quota_year: int
    segments: list[SegmentCapacity]

    @property
    def influenced_quota(self) -> Decimal:
        """The quota the whole team's presales influence: per presales x presales."""
        return sum(
            (s.actual.influenced_quota * s.facts.presales for s in self.segments if s.actual),
            Decimal(0),
        )

    @property
    def extra_revenue(self) -> Decimal:
        """What the gain on every presales person's influence is worth a year."""
        return sum(
            (s.actual.extra_revenue * s.facts.presales for s in self.segments if s.actual),
            Decimal(0),
        )

    @property
    def quota(self) -> Decimal:
        """The yearly quota of the reps of the segments above (the multiplier's basis)."""
        return sum(
            (
                s.facts.rep_quota * s.facts.reps
                for s in self.segments
                if s.actual and s.facts.rep_quota
            ),
            Decimal(0),
        )

    @property
    def bookings(self) -> Decimal:
        """What the same segments closed in the window (the planning comparison's basis)."""
        return sum((s.facts.bookings or Decimal(0) for s in self.segments if s.actual), Decimal(0))

    @property
    def extra_revenue_on_bookings(self) -> Decimal:
        """The same gains on what the segments closed rather than on their quota."""
        return sum(
            ((s.facts.bookings or Decimal(0)) * s.gain for s in self.segments if s.actual),
            Decimal(0),
        ).quantize(Decimal("0.01"))


def _window(as_of: datetime) -> tuple[datetime, datetime, str, int]:
    start = as_of - _YEAR
    # The quota year: the calendar year holding most of the window.
    year = (as_of - timedelta(days=182)).year
    return start, as_of, f"{start.date()} to {as_of.date()}", year


def _segment_facts(
    closed: pa.Table, book: PayBook, config: CompensationConfig, currency: str, year: int
) -> list[SegmentFacts]:
    """Reps and presales per segment (by where most of their deals are), the average
    closed-won deal and the average yearly rep quota of each segment."""
    rep_segment = figures.main_segment(closed, "owner_id")
    presales_segment = figures.main_segment(closed, "presales_id")
    won = figures.bookings_by_segment(closed, dict(config.rates), currency)
    reps_in: dict[str, list[str]] = defaultdict(list)
    presales_in: Counter[str] = Counter()
    for person in book.people.values():
        if person.role is Role.SALES_REP and person.person_id in rep_segment:
            reps_in[rep_segment[person.person_id]].append(person.person_id)
        elif person.role is Role.PRESALES and person.person_id in presales_segment:
            presales_in[presales_segment[person.person_id]] += 1
    found = []
    for segment in sorted(set(reps_in) | set(presales_in)):
        reps = reps_in.get(segment, [])
        booked = won.get(segment)
        quotas = [q for q in (_year_quota(book, r, year) for r in reps) if q is not None]
        found.append(
            SegmentFacts(
                segment,
                len(reps),
                presales_in.get(segment, 0),
                booked.average_deal if booked else None,
                average(quotas),
                booked.won_deals if booked else 0,
                booked.bookings if booked else None,
            )
        )
    return found


def workspace_capacity(
    uow: UnitOfWork,
    config: CompensationConfig,
    currency: str,
    *,
    gain: Decimal | None = None,
    as_of: datetime | None = None,
) -> CapacityReport:
    """Per segment: reps, presales, the actual and the configured ratio, the quota each
    presales person influences, and what a productivity gain on it is worth."""
    if gain is not None and gain < 0:
        raise PipefitError(f"the gain is {gain}; it cannot be negative", field="plan.gain")
    with uow:
        start, end, label, year = _window(_as_of(uow.history, as_of))
        book = load_org(uow.pay, config, currency)
        closed = uow.history.closed_deals(start, end)
    facts = _segment_facts(closed, book, config, currency, year)
    norms = config.capacity.norms_domain()
    segments = [segment_capacity(f, norms, gain=gain, rule=book.rule) for f in facts]
    return CapacityReport(as_of=end, window=label, quota_year=year, segments=segments)


@dataclass(frozen=True)
class PlanningReport:
    facts: TeamFacts
    options: list[Option]
    assumptions: list[str]
    norm: str
    team: str | None


def _ote(people: list[Person], fallback: Decimal) -> Decimal:
    values = [
        (p.base_pay or Decimal(0)) + (p.variable_pay or Decimal(0))
        for p in people
        if p.base_pay is not None or p.variable_pay is not None
    ]
    return average(values) or fallback


def _plan_ote(config: CompensationConfig, role: str) -> Decimal:
    plan = config.plans.get(config.roles.get(role, ""))
    if plan is None:
        return Decimal(0)
    return (plan.base_salary or Decimal(0)) + (plan.variable_target or Decimal(0))


def plan_team(
    uow: UnitOfWork,
    config: CompensationConfig,
    currency: str,
    *,
    hire_reps: int = 1,
    hire_presales: int = 1,
    gain: Decimal | None = None,
    team: str | None = None,
    as_of: datetime | None = None,
) -> PlanningReport:
    """The three options side by side for the same team, from its own history."""
    if hire_reps < 0:
        raise PipefitError(
            f"reps to hire is {hire_reps}; it cannot be negative", field="plan.hire_reps"
        )
    if hire_presales < 0:
        raise PipefitError(
            f"presales to hire is {hire_presales}; it cannot be negative",
            field="plan.hire_presales",
        )
    with uow:
        start, end, label, year = _window(_as_of(uow.history, as_of))
        book = load_org(uow.pay, config, currency)
        if team is not None and team not in book.teams:
            raise PipefitError(
                f"no team '{team}'; teams: {', '.join(sorted(book.teams))}", field="plan.team"
            )
        closed = uow.history.closed_deals(start, end)
        open_by = figures.open_by_presales(uow.history.open_deals())
    people = [p for p in book.people.values() if team is None or p.team_id == team]
    reps = [p for p in people if p.role is Role.SALES_REP]
    presales = [p for p in people if p.role is Role.PRESALES]
    if team is not None:
        closed = figures.only_owners(closed, [p.person_id for p in reps])
    rates = dict(config.rates)
    per_rep = figures.bookings_by_owner(closed, rates, currency)
    won = figures.won(closed).num_rows
    booked = figures.bookings(closed, rates, currency)
    quotas = [q for q in (_year_quota(book, r.person_id, year) for r in reps) if q is not None]
    norms = config.capacity.norms_domain()
    needed = Fraction(0)
    for seg in _segment_facts(closed, book, config, currency, year):
        seg_norm = norm_for(seg.acv, norms)
        needed += Fraction(seg.reps) / exact(seg_norm.reps_per_presales if seg_norm else 5)
    on_team = {p.person_id for p in presales}
    load = Workload(
        tuple(sum(open_by.get(pid, {}).values()) for pid in sorted(on_team)),
        config.capacity.max_open_deals,
    )
    facts = TeamFacts(
        reps=len(reps),
        presales=len(presales),
        window=label,
        bookings=booked,
        won=won,
        lost=closed.num_rows - won,
        cycle_days=figures.mean_cycle_days(closed),
        avg_deal=(booked / won).quantize(Decimal("0.01")) if won else None,
        rep_bookings=tuple(per_rep.get(r.person_id, Decimal("0.00")) for r in reps),
        rep_quota=average(quotas),
        rep_ote=_ote(reps, _plan_ote(config, "sales_rep")),
        presales_ote=_ote(presales, _plan_ote(config, "presales")),
        presales_needed=needed if needed else None,
        workload=load,
    )
    norm = norm_for(facts.avg_deal, norms)
    ratio = hundredths(Fraction(len(reps)) / needed) if needed else Decimal(5)
    assumptions = config.capacity.assumptions(
        gain=gain if gain is not None else (norm.gain if norm else config.capacity.default_gain),
        reps_per_presales=ratio,
        ramp=book.ramp,
    )
    options = plan_options(
        facts,
        hire_reps=hire_reps,
        hire_presales=hire_presales,
        assumptions=assumptions,
        rule=book.rule,
    )
    norm_text = f"{norm.name} ({norm.ratio}, {norm.source})" if norm else "none (1:5 assumed)"
    return PlanningReport(facts, options, assumptions.labels(), norm_text, team)


@dataclass(frozen=True)
class WorkloadReport:
    as_of: datetime
    weeks: int
    stages: list[str]
    loads: list[PresalesLoad]
    limits: str


def presales_workload(
    uow: UnitOfWork,
    config: CompensationConfig,
    *,
    weeks: int | None = None,
    as_of: datetime | None = None,
    stage_order: list[str] | None = None,
) -> WorkloadReport:
    """Open deals per presales engineer by stage, meetings a week, and who is over."""
    cap = config.capacity
    span = weeks or cap.workload_weeks
    if span < 1:
        raise PipefitError(
            f"the workload window must be at least one week, not {span}",
            field="plan.weeks",
        )
    with uow:
        history = uow.history
        if as_of is None:
            latest = history.latest_activity()
            now = datetime.now(UTC)
            as_of = min(now, latest + timedelta(seconds=1)) if latest else now
        meetings = figures.meetings_by_person(
            history.meetings(list(cap.meeting_kinds), as_of - timedelta(weeks=span), as_of)
        )
        open_by = figures.open_by_presales(history.open_deals())
        people = {p.person_id: p for p in uow.pay.people()}
    presales = [p for p in people.values() if p.role is Role.PRESALES]
    ids = {p.person_id for p in presales} | set(open_by)
    loads = [
        PresalesLoad(
            pid,
            people[pid].name if pid in people else pid,
            open_by.get(pid, {}),
            meetings.get(pid, 0),
            span,
        )
        for pid in sorted(ids)
    ]
    seen = {s for by in open_by.values() for s in by}
    order = [s for s in (stage_order or []) if s in seen]
    stages = order + sorted(seen - set(order))
    limits = cap.limits()
    text = (
        f"at most {limits.max_open_deals} open deals and {limits.max_meetings_per_week} "
        f"meetings ({', '.join(cap.meeting_kinds)}) a week"
    )
    return WorkloadReport(as_of, span, stages, assess_workload(loads, limits), text)
