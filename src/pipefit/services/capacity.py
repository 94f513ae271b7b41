"""Capacity use cases: the multiplier for a scenario or for the workspace's segments, the
planning comparison (hire reps / make presales more productive / hire presales) and the
presales workload. History is read in bulk and aggregated set-at-a-time in Arrow."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.capacity import (
    Multiplier,
    SegmentCapacity,
    SegmentFacts,
    multiplier,
    norm_for,
    segment_capacity,
)
from pipefit.domain.errors import PipefitError
from pipefit.domain.model import Person, Role
from pipefit.domain.periods import Period
from pipefit.domain.planning import Option, TeamFacts, plan_options
from pipefit.domain.quotas import NoQuota
from pipefit.domain.workload import PresalesLoad, assess_workload
from pipefit.services.paybook import PayBook, load_org
from pipefit.services.ports.history import HistorySource
from pipefit.services.ports.pay import CompensationSource

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


def capacity_scenario(reps_per_presales: Decimal, rep_quota: Decimal, gain: Decimal) -> Multiplier:
    """The article's arithmetic for one scenario: no workspace needed."""
    if reps_per_presales <= 0:
        raise PipefitError("--reps-per-presales must be above 0")
    return multiplier(reps_per_presales, rep_quota, gain)


def _as_of(history: HistorySource, as_of: datetime | None) -> datetime:
    if as_of is not None:
        return as_of
    latest = history.latest_close()
    now = datetime.now(UTC)
    # A history that ends before today (an export, the sample company) ends where it ends.
    return min(now, latest + timedelta(seconds=1)) if latest else now


def _money(units_by_currency: dict[str, int], rates: dict[str, Decimal], base: str) -> Decimal:
    total = Decimal(0)
    for currency, units in units_by_currency.items():
        rate = Decimal(1) if currency == base else rates.get(currency)
        if rate is None:
            raise PipefitError(
                f"compensation.rates: no rate for {currency}; add {currency} = <value in {base}>"
            )
        total += Decimal(units).scaleb(-4) * rate
    return total.quantize(Decimal("0.01"))


def _sum_units(table: pa.Table, keys: list[str]) -> dict[tuple[str, ...], dict[str, int]]:
    grouped = table.group_by([*keys, "currency"]).aggregate([("units", "sum")])
    out: dict[tuple[str, ...], dict[str, int]] = defaultdict(dict)
    for row in grouped.to_pylist():
        out[tuple(row[k] for k in keys)][row["currency"]] = int(row["units_sum"] or 0)
    return out


def _main_segment(table: pa.Table, who: str) -> dict[str, str]:
    """Each person's segment: where most of their closed deals are."""
    rows = (
        table.filter(pc.is_valid(table[who]))
        .group_by([who, "segment"])
        .aggregate([([], "count_all")])
    )
    best: dict[str, tuple[int, str]] = {}
    for r in rows.to_pylist():
        key = (r["count_all"], r["segment"])
        if r[who] not in best or key > best[r[who]]:
            best[r[who]] = key
    return {person: seg for person, (_, seg) in best.items()}


def _year_quota(book: PayBook, rep: str, year: int) -> Decimal | None:
    try:
        return book.person_quota(rep, Period(year, "year")).amount
    except NoQuota:
        return None


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01")) if values else None


@dataclass(frozen=True)
class CapacityReport:
    as_of: datetime
    window: str
    quota_year: int
    segments: list[SegmentCapacity]


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
    rates = dict(config.rates)
    rep_segment = _main_segment(closed, "owner_id")
    presales_segment = _main_segment(closed, "presales_id")
    won = closed.filter(pc.equal(closed["outcome"], "won"))
    won_count = Counter(won["segment"].to_pylist())
    won_units = _sum_units(won, ["segment"])
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
        count = won_count.get(segment, 0)
        acv = None
        if count:
            total = _money(won_units[(segment,)], rates, currency)
            acv = (total / count).quantize(Decimal("0.01"))
        quotas = [q for q in (_year_quota(book, r, year) for r in reps) if q is not None]
        found.append(
            SegmentFacts(segment, len(reps), presales_in.get(segment, 0), acv, _mean(quotas), count)
        )
    return found


def workspace_capacity(
    history: HistorySource,
    source: CompensationSource,
    config: CompensationConfig,
    currency: str,
    *,
    gain: Decimal | None = None,
    as_of: datetime | None = None,
) -> CapacityReport:
    """Per segment: reps, presales, the actual and the configured ratio, the quota each
    presales person influences, and what a productivity gain on it is worth."""
    start, end, label, year = _window(_as_of(history, as_of))
    book = load_org(source, config, currency)
    facts = _segment_facts(history.closed_deals(start, end), book, config, currency, year)
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
    return _mean(values) or fallback


def _plan_ote(config: CompensationConfig, role: str) -> Decimal:
    plan = config.plans.get(config.roles.get(role, ""))
    if plan is None:
        return Decimal(0)
    return (plan.base_salary or Decimal(0)) + (plan.variable_target or Decimal(0))


def plan_team(
    history: HistorySource,
    source: CompensationSource,
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
    if hire_reps < 0 or hire_presales < 0:
        raise PipefitError("--reps and --presales cannot be negative")
    end = _as_of(history, as_of)
    start, end, label, year = _window(end)
    book = load_org(source, config, currency)
    if team is not None and team not in book.teams:
        raise PipefitError(f"no team '{team}'; teams: {', '.join(sorted(book.teams))}")
    people = [p for p in book.people.values() if team is None or p.team_id == team]
    reps = [p for p in people if p.role is Role.SALES_REP]
    presales = [p for p in people if p.role is Role.PRESALES]
    closed = history.closed_deals(start, end)
    if team is not None:
        ids = pa.array([p.person_id for p in reps], pa.string())
        closed = closed.filter(pc.is_in(closed["owner_id"], value_set=ids))
    won = closed.filter(pc.equal(closed["outcome"], "won"))
    rates = dict(config.rates)
    per_rep = _sum_units(won, ["owner_id"])
    rep_bookings = tuple(_money(per_rep.get((r.person_id,), {}), rates, currency) for r in reps)
    cycle = None
    if won.num_rows:
        seconds = pc.divide(
            pc.cast(pc.subtract(won["closed_at"], won["created_at"]), pa.int64()), 1_000_000
        )
        cycle = (Decimal(pc.mean(seconds).as_py()) / 86400).quantize(Decimal("0.1"))
    bookings = _money(_sum_units(won, []).get((), {}), rates, currency)
    quotas = [q for q in (_year_quota(book, r.person_id, year) for r in reps) if q is not None]
    norms = config.capacity.norms_domain()
    needed = Decimal(0)
    for seg in _segment_facts(closed, book, config, currency, year):
        seg_norm = norm_for(seg.acv, norms)
        needed += Decimal(seg.reps) / (seg_norm.reps_per_presales if seg_norm else Decimal(5))
    facts = TeamFacts(
        reps=len(reps),
        presales=len(presales),
        window=label,
        bookings=bookings,
        won=won.num_rows,
        lost=closed.num_rows - won.num_rows,
        cycle_days=cycle,
        avg_deal=(bookings / won.num_rows).quantize(Decimal("0.01")) if won.num_rows else None,
        rep_bookings=rep_bookings,
        rep_quota=_mean(quotas),
        rep_ote=_ote(reps, _plan_ote(config, "sales_rep")),
        presales_ote=_ote(presales, _plan_ote(config, "presales")),
        presales_needed=needed if needed else None,
    )
    norm = norm_for(facts.avg_deal, norms)
    ratio = (Decimal(len(reps)) / needed).quantize(Decimal("0.1")) if needed else Decimal(5)
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
    history: HistorySource,
    source: CompensationSource,
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
        raise PipefitError("--weeks must be at least 1")
    if as_of is None:
        latest = history.latest_activity()
        as_of = (
            min(datetime.now(UTC), latest + timedelta(seconds=1)) if latest else datetime.now(UTC)
        )
    meetings = history.meetings_by_person(
        list(cap.meeting_kinds), as_of - timedelta(weeks=span), as_of
    )
    open_by: dict[str, dict[str, int]] = defaultdict(dict)
    for who, stage, n in history.open_by_presales():
        open_by[who][stage] = n
    people = {p.person_id: p for p in source.people()}
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
