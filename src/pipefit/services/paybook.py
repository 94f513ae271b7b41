"""The pay book: everything statements for a period read, loaded once and assembled.

People get their plan from `[compensation]` (an assignment, else their role's plan) and
their credit by role: a presales engineer from their pool, a manager from their team,
everyone else from their own deals. Quotas come from the quota rows (with recorded
changes and the new-hire ramp); a presales engineer's is their pool's target.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pipefit.config.compensation import CompensationConfig
from pipefit.domain.bonus import BonusBook, Group
from pipefit.domain.closes import ClosedPay, PeriodClose
from pipefit.domain.credit import CreditLine, CreditSplit, Route, credit_deals
from pipefit.domain.errors import PipefitError
from pipefit.domain.model import Person, Role, Team
from pipefit.domain.money import RoundingRule
from pipefit.domain.overlay import presales_deal_credit
from pipefit.domain.periods import Period, parse_period
from pipefit.domain.plans import Plan
from pipefit.domain.pools import PoolCoverage, PoolError, PoolTarget, pool_target
from pipefit.domain.quotas import NoQuota, QuotaBook, QuotaChange, Ramp, ResolvedQuota
from pipefit.domain.spiffs import DealTraits, SpiffKind
from pipefit.domain.statements import Ledger, Payee, Statement
from pipefit.services.ports.pay import CompensationSource

__all__ = ["PayBook", "bulk_objects", "credit_basis", "load_book", "load_org"]

Owner = tuple[str, str]  # (owner kind, owner id)


def credit_basis(role: str) -> str:
    """Presales are credited through their pool, managers through their team."""
    return {"presales": "pool", "manager": "team"}.get(role, "own")


@dataclass
class PayBook:
    config: CompensationConfig
    currency: str
    rule: RoundingRule
    ramp: Ramp
    plans: dict[str, Plan]
    people: dict[str, Person]
    teams: dict[str, Team]
    pools: dict[str, PoolCoverage]
    rows: dict[Owner, dict[Period, Decimal]]
    changes: dict[Owner, list[QuotaChange]]
    churned: dict[str, datetime]
    credits: dict[str, list[CreditLine]] = field(default_factory=dict)
    traits: dict[str, DealTraits] = field(default_factory=dict)  # read when a plan has SPIFFs
    closes: list[PeriodClose] = field(default_factory=list)
    closed: dict[str, dict[Period, Statement]] = field(default_factory=dict)
    adjust_from: date | None = None
    span: tuple[datetime, datetime] | None = None
    deals_read: int = 0
    _books: dict[tuple[str, str, int | None], QuotaBook] = field(default_factory=dict)
    _targets: dict[tuple[str, Period], PoolTarget] = field(default_factory=dict)

    # -- who is paid, by which plan -------------------------------------------------

    def plan_of(self, person: Person) -> Plan | None:
        name = self.config.plan_name_for(person.person_id, str(person.role))
        return self.plans.get(name) if name else None

    def payees(self) -> list[Payee]:
        found = []
        for person in self.people.values():
            payee = self.payee(person)
            if payee is not None:
                found.append(payee)
        return found

    def payee(self, person: Person) -> Payee | None:
        plan = self.plan_of(person)
        if plan is None:
            return None
        base = person.base_pay if person.base_pay is not None else plan.base_salary
        variable = person.variable_pay if person.variable_pay is not None else plan.variable_target
        source = "people" if person.variable_pay is not None else f"plan '{plan.name}'"
        if variable is None:
            raise PipefitError(
                f"plan '{plan.name}' ({person.person_id}): variable_target: the person's "
                "variable_pay is empty and the plan sets no variable_target"
            )
        return Payee(
            person_id=person.person_id,
            name=person.name,
            role=str(person.role),
            plan=plan,
            base_salary=base if base is not None else Decimal(0),
            variable_target=variable,
            hired_at=person.hired_at,
            team_id=person.team_id,
            pay_source=source,
        )

    # -- quotas ------------------------------------------------------------------------

    def book(
        self, kind: str, owner: str, hired_at: date | None = None, year: int | None = None
    ) -> QuotaBook:
        rows = self.rows.get((kind, owner), {})
        pool = self.pools.get(owner) if kind == "pool" else None
        yearly = pool is not None and pool.target is not None and not rows
        key = (kind, owner, year if yearly else None)
        if key in self._books:
            return self._books[key]
        if pool is not None and pool.target is not None and yearly and year is not None:
            # An explicit yearly target on the pool itself: the same every year.
            rows = {Period(year, "year"): pool.target}
        book = self._books[key] = QuotaBook(
            kind,
            owner,
            rows,
            changes=self.changes.get((kind, owner), ()),
            hired_at=hired_at if kind == "person" else None,
            ramp=self.ramp,
            rule=self.rule,
        )
        return book

    def person_quota(self, person_id: str, period: Period) -> ResolvedQuota:
        person = self.people.get(person_id)
        hired = person.hired_at if person else None
        return self.book("person", person_id, hired).resolve(period)

    def pool_target(self, pool_id: str, period: Period) -> PoolTarget:
        known = self._targets.get((pool_id, period))
        if known is None:
            known = self._targets[(pool_id, period)] = self._pool_target(pool_id, period)
        return known

    def _pool_target(self, pool_id: str, period: Period) -> PoolTarget:
        pool = self.pools[pool_id]
        covered: dict[str, Decimal | None] = {}
        for rep in pool.covered_reps:
            try:
                covered[rep] = self.person_quota(rep, period).amount
            except NoQuota:
                covered[rep] = None
        explicit_book = self.book("pool", pool_id, year=period.year)
        explicit = None
        if explicit_book.defines(period):
            explicit = explicit_book.resolve(period)
        return pool_target(
            pool,
            period,
            covered,
            explicit=explicit,
            default_discount_pct=self.config.default_discount_pct,
            rule=self.rule,
        )

    def pools_of(self, person_id: str) -> list[str]:
        return [p.pool_id for p in self.pools.values() if person_id in p.members]

    def team_reps(self, team_id: str | None) -> list[str]:
        return [
            p.person_id
            for p in self.people.values()
            if p.team_id == team_id and team_id is not None and p.role is Role.SALES_REP
        ]

    def quota_of(self, payee: Payee) -> Callable[[Period], ResolvedQuota]:
        basis = credit_basis(payee.role)
        own = self.book("person", payee.person_id, payee.hired_at)

        def pooled(period: Period) -> ResolvedQuota:
            if payee.plan.presales_credit == "deal" and own.source_of(period) is not None:
                return own.resolve(period)  # credited per deal, measured on their own quota
            pools = self.pools_of(payee.person_id)
            if not pools:
                raise PipefitError(
                    f"plan '{payee.plan.name}' ({payee.person_id}): pool: this presales "
                    "engineer is a member of no pool, so nothing can be credited to them"
                )
            try:
                targets = [self.pool_target(p, period) for p in pools]
            except PoolError as exc:
                raise PipefitError(
                    f"plan '{payee.plan.name}' ({payee.person_id}): pool_members: {exc}"
                ) from exc
            notes = tuple(n for t in targets for n in t.notes())
            total = sum((t.in_force for t in targets), Decimal(0))
            return ResolvedQuota("pool", ",".join(pools), period, total, notes)

        def team(period: Period) -> ResolvedQuota:
            if own.source_of(period) is not None:
                return own.resolve(period)
            reps = self.team_reps(payee.team_id)
            resolved = []
            for rep in reps:
                try:
                    resolved.append(self.person_quota(rep, period))
                except NoQuota:
                    continue
            if not resolved:
                raise NoQuota(f"team '{payee.team_id}' has no rep with a quota for {period}")
            total = sum((r.amount for r in resolved), Decimal(0))
            note = f"team {payee.team_id}: the sum of {len(resolved)} reps' {period} quotas"
            return ResolvedQuota("team", str(payee.team_id), period, total, (note,))

        if basis == "pool":
            return pooled
        if basis == "team":
            return team
        return own.resolve

    def closed_pay(self, person_id: str) -> ClosedPay | None:
        """A person's statements kept at close, and the closes (None before any)."""
        if not self.closes:
            return None
        return ClosedPay(self.closed.get(person_id, {}), self.closes, self.adjust_from)

    def ledger(self, payee: Payee) -> Ledger:
        return Ledger(
            payee=payee,
            credits=self.credits.get(payee.person_id, []),
            quota=self.quota_of(payee),
            churned=self.churned,
            rule=self.rule,
            currency=self.currency,
            bonus=self.bonus_book(payee),
        )

    # -- SPIFFs and bonuses -----------------------------------------------------------

    def group_of(self, payee: Payee, kind: str) -> Group | None:
        """The team (its reps) or pool (its members, on its covered reps' deals) whose
        bookings a team bonus of `payee`'s plan measures; None if they are in none."""
        if kind == "team":
            group_id, reps = payee.team_id, self.team_reps(payee.team_id)
            members = len(reps)
        else:
            pools = self.pools_of(payee.person_id)
            if not pools:
                return None
            pool = self.pools[pools[0]]
            group_id, reps, members = pool.pool_id, list(pool.covered_reps), len(pool.members)
        if group_id is None or not members:
            return None
        lines = tuple(
            c
            for rep in reps
            for c in self.credits.get(rep, ())
            if c.person_id == rep and c.basis in ("own", "revenue split")
        )
        return Group(group_id, members, lines)

    def bonus_book(self, payee: Payee) -> BonusBook | None:
        spiffs = payee.plan.spiffs
        if not spiffs:
            return None
        groups = {}
        for spiff in spiffs:
            if spiff.kind is SpiffKind.TEAM_BONUS:
                group = self.group_of(payee, spiff.group)
                if group is not None:
                    groups[spiff.name] = group
        return BonusBook(self.traits, groups)


def _span(period: Period, plans: list[Plan]) -> tuple[datetime, datetime]:
    """The deals a period's statements read: from the start of its year (year-to-date
    plans, draws), and back as far as a clawback reaches, to the start of that year."""
    reach = max((p.clawback_days or 0 for p in plans), default=0)
    earliest = date(period.year, 1, 1) - timedelta(days=reach)
    # A SPIFF's total cap counts what it paid since its start, however long ago.
    capped = [s.start for p in plans for s in p.spiffs if s.cap_total is not None]
    earliest = min([earliest, *capped])
    return datetime(earliest.year, 1, 1, tzinfo=UTC), period.end_at


def _routes(book: PayBook) -> dict[str, list[Route]]:
    routes: dict[str, list[Route]] = defaultdict(list)
    per_deal = _deal_credited(book)
    for pool in book.pools.values():
        members = [m for m in pool.members if m not in per_deal]
        for rep in pool.covered_reps:
            routes[rep].extend(Route(m, "pool", pool.pool_id) for m in members)
    managed = [t for t in book.teams.values() if t.manager_id in book.people]
    for team in managed:
        manager = book.people.get(team.manager_id or "")
        if manager is None or book.plan_of(manager) is None:
            continue
        if credit_basis(str(manager.role)) != "team":
            continue
        for rep in book.team_reps(team.team_id):
            routes[rep].append(Route(manager.person_id, "team", team.team_id))
    return routes


def _deal_credited(book: PayBook) -> set[str]:
    """The presales engineers whose plan credits them per deal, not through their pool."""
    found = set()
    for person in book.people.values():
        plan = book.plan_of(person)
        if (
            plan is not None
            and plan.presales_credit == "deal"
            and credit_basis(str(person.role)) == "pool"
        ):
            found.add(person.person_id)
    return found


def load_org(source: CompensationSource, config: CompensationConfig, currency: str) -> PayBook:
    """People, plans, pools and quotas, without any deal (credit comes with `load_book`)."""
    rule = config.rule()
    plans = config.plans_domain()
    rows: dict[Owner, dict[Period, Decimal]] = defaultdict(dict)
    for quota in source.quotas():
        try:
            rows[(quota.owner_kind, quota.owner_id)][parse_period(quota.period)] = quota.amount
        except PipefitError as exc:
            raise PipefitError(
                f"quotas: the row for {quota.owner_kind} '{quota.owner_id}': {exc}"
            ) from None
    changes: dict[Owner, list[QuotaChange]] = defaultdict(list)
    for change in source.quota_changes():
        changes[(change.owner_kind, change.owner_id)].append(change)
    members: dict[str, list[str]] = defaultdict(list)
    covered: dict[str, list[str]] = defaultdict(list)
    for m in source.pool_members():
        (members if m.kind == "member" else covered)[m.pool_id].append(m.person_id)
    pools = {
        p.pool_id: PoolCoverage(
            p.pool_id,
            p.name,
            tuple(members[p.pool_id]),
            tuple(covered[p.pool_id]),
            p.discount_pct,
            p.target,
        )
        for p in source.pools()
    }
    book = PayBook(
        config=config,
        currency=currency,
        rule=rule,
        ramp=config.ramp(),
        plans=plans,
        people={p.person_id: p for p in source.people()},
        teams={t.team_id: t for t in source.teams()},
        pools=pools,
        rows=dict(rows),
        changes=dict(changes),
        churned=source.churns(),
    )
    return book


@contextmanager
def bulk_objects() -> Iterator[None]:
    """Pause the cyclic garbage collector while hundreds of thousands of deal and credit
    tuples are built: none of them forms a cycle, and the collector's repeated passes
    over the growing lists cost more than the building itself (measured: 2x)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_book(
    source: CompensationSource,
    config: CompensationConfig,
    currency: str,
    period: Period,
    *,
    only: str | None = None,
) -> PayBook:
    """Load and credit everything the statements of `period` need (with `only`, what one
    person's statement needs: the deals whose credit can reach them)."""
    with bulk_objects():
        return _load_book(source, config, currency, period, only)


def _owners_reaching(book: PayBook, person_id: str) -> set[str] | None:
    """Whose deals can credit a person: themselves, their pools' reps, their team's reps."""
    person = book.people.get(person_id)
    if person is None:
        return None
    if person_id in _deal_credited(book):
        return None  # the deals they are the presales on may be any rep's
    owners = {person_id}
    for pool in book.pools.values():
        if person_id in pool.members:
            owners.update(pool.covered_reps)
    if credit_basis(str(person.role)) == "team":
        owners.update(book.team_reps(person.team_id))
    plan = book.plan_of(person)
    bonuses = [s for s in (plan.spiffs if plan else ()) if s.kind is SpiffKind.TEAM_BONUS]
    if any(s.group == "team" for s in bonuses):
        owners.update(book.team_reps(person.team_id))
    return owners


def _load_book(
    source: CompensationSource,
    config: CompensationConfig,
    currency: str,
    period: Period,
    only: str | None,
) -> PayBook:
    book = load_org(source, config, currency)
    used = [p for p in (book.plan_of(person) for person in book.people.values()) if p]
    book.span = _span(period, used)
    book.closes = source.period_closes()
    if book.closes:
        # Closed periods of this year and the last are recomputed for adjustments: read
        # their deals too (and as far back as their clawbacks and years to date reach).
        book.adjust_from = date(period.year - 1, 1, 1)
        book.span = _span(Period(period.year - 1, "year"), used)[0], book.span[1]
        for kept in source.closed_statements(only):
            book.closed.setdefault(kept.person_id, {})[kept.period] = kept
    splits: dict[str, list[CreditSplit]] = defaultdict(list)
    for split in source.credit_splits():
        splits[split.opportunity_id].append(split)
    owners = _owners_reaching(book, only) if only else None
    # Split deals can reach a person through any rep named on them: read those too.
    named = {
        deal
        for deal, rows in splits.items()
        if owners is not None and any(r.person_id in owners for r in rows)
    }
    deals = source.won_deals(*book.span, owners=owners, deal_ids=named)
    book.deals_read = len(deals)
    rates = config.currency_rates(currency)
    book.credits = credit_deals(
        deals, splits=splits, routes=_routes(book), rates=rates, rule=book.rule
    )
    per_deal = _deal_credited(book)
    if per_deal:
        overlay = presales_deal_credit(deals, per_deal, rates=rates, rule=book.rule)
        for person, lines in overlay.items():
            merged = book.credits.get(person, []) + lines
            merged.sort(key=lambda c: c.deal.closed_at)
            book.credits[person] = merged
    if any(plan.spiffs for plan in used):
        book.traits = source.deal_traits(*book.span)
    return book
