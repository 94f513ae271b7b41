"""The lead queue for a login: the leads it may see (the access policy's lead owners),
best score first, each with its band, reasons and the decision in force; and the routing
actions, through the same services as `pipefit leads qualify` and `pipefit leads
override`, each written to the audit log.

Who may route a lead: whoever sees it and may change anything at all (a comp admin sees
every lead to check credit but routes none); a presales engineer routes the leads of the
reps their pool covers, as qualification is their work (DOMAIN 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.clock import Clock, utc_now
from pipefit.domain.lanes import LaneBook, LaneFit, build_lane_book
from pipefit.domain.model import clean_id
from pipefit.domain.routing import LeadDecision
from pipefit.domain.scorecard import Scorecard, Value
from pipefit.domain.users import AuditEntry
from pipefit.scoring.features import lead_records
from pipefit.services.kept import Kept, data_version
from pipefit.services.lead_decisions import override_lead
from pipefit.services.ports.accounts import AccountsUnitOfWork
from pipefit.services.ports.leads import LeadRepository
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.qualification import (
    Assessment,
    QualifyResult,
    assess,
    qualify_leads,
)
from pipefit.services.scoped_records import get_record

__all__ = [
    "KEPT_SECONDS",
    "PAGE_SIZE",
    "QueuePage",
    "QueuedLead",
    "decide_lead",
    "lead_queue",
    "qualify_lead",
    "routes_leads",
]

PAGE_SIZE = 50
KEPT_SECONDS = 300.0  # how long a kept order may be used while the data is unchanged


@dataclass(frozen=True)
class QueuedLead:
    assessment: Assessment
    decision: LeadDecision | None  # the one in force, if any

    @property
    def lead_id(self) -> str:
        return self.assessment.record.lead.lead_id


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue: its leads, best score first, and where it sits in all."""

    leads: list[QueuedLead]
    page: int  # from 1
    total: int  # leads in the queue, on every page
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first(self) -> int:
        return (self.page - 1) * self.size + 1 if self.leads else 0


def routes_leads(scope: AccessScope) -> bool:
    return scope.edit_owners is None or bool(scope.edit_owners) or bool(scope.edit_presales)


def _flags(column: pa.ChunkedArray, present: list[bool]) -> list[Value]:
    """A yes/no parameter's values (as the scorecard reads them); None where absent."""
    return [
        None if not here or v is None else ("yes" if v else "no")
        for v, here in zip(column.to_pylist(), present, strict=True)
    ]


def _scores(card: Scorecard, lanes: LaneBook, table: pa.Table) -> list[float]:
    """Each row's scorecard score, exactly as `score_lead` gives it, a column at a time:
    the parameters' values read as `scoring.features.lead_records` and the scorecard's
    `read`s would, each distinct value scored once by the parameter itself, and the
    weighted sum taken in the scorecard's order (so the floats come out bit for bit)."""
    n = table.num_rows
    industry = table["industry"].to_pylist()
    segment = table["segment"].to_pylist()
    has_account = [
        a is not None or i is not None
        for a, i in zip(table["account_id"].to_pylist(), industry, strict=True)
    ]
    contacts, executive = table["contact_id"].to_pylist(), table["is_executive"].to_pylist()
    has_contact = [
        c is not None and e is not None for c, e in zip(contacts, executive, strict=True)
    ]
    fits: dict[tuple[str | None, str | None], LaneFit] = {}
    lane_of = []
    for here, i, sg in zip(has_account, industry, segment, strict=True):
        key = (i, sg) if here else (None, None)
        if key not in fits:
            fits[key] = lanes.fit(*key)
        lane_of.append(fits[key])

    def pct(name: str) -> list[Value]:
        # as `Lead` holds it: a Decimal of the value rounded to 4 places, read back as float
        return [None if v is None else round(v, 4) for v in table[name].to_pylist()]

    def ttv() -> list[Value]:
        days = table["expected_ttv_days"].to_pylist()
        found: list[Value] = []
        for d, here, sg in zip(days, has_account, segment, strict=True):
            norm = lanes.ttv_norms.get((sg if here else None) or "")
            found.append(None if d is None or not norm else round(d / norm, 2))
        return found

    readers: dict[str, Callable[[], list[Value]]] = {
        "lane": lambda: [f.kind or None for f in lane_of],
        "needs_match": lambda: pct("needs_match_pct"),
        "success_criteria_fit": lambda: pct("success_criteria_fit_pct"),
        "culture": lambda: [
            c if here else None
            for c, here in zip(table["culture"].to_pylist(), has_account, strict=True)
        ],
        "buying_team": lambda: [
            None if v is None else float(v) for v in table["buying_team_size"].to_pylist()
        ],
        "executive_contact": lambda: _flags(
            pc.fill_null(table["is_executive"], False), has_contact
        ),
        "former_user": lambda: _flags(pc.fill_null(table["former_user"], False), has_contact),
        "referral": lambda: _flags(table["referral"], [True] * n),
        "similar_experience": lambda: _flags(table["similar_experience"], [True] * n),
        "time_to_value": ttv,
        "references": lambda: [
            None if f.stats is None else round(100 * f.stats.reference_rate, 1) for f in lane_of
        ],
    }
    total = np.zeros(n, np.float64)
    weights = 0.0
    for p in card.parameters:
        values = readers[p.name]()
        points: dict[Value, float] = {}
        for v in values:
            if v not in points:
                points[v] = p.score(v)
        total = total + np.array([points[v] for v in values], np.float64) * p.weight
        weights += p.weight
    return [round(x, 1) for x in (total / weights).tolist()]


_LANES: dict[tuple[str, datetime, int], LaneBook] = {}


def _lanes(leads: LeadRepository, config: QualificationConfig) -> LaneBook:
    """The lanes as `assess_waiting` judges them (as of the data's newest record), kept
    while the customers are unchanged: building them reads every customer, seconds on a
    large workspace, for every page."""
    now = datetime.now(UTC)
    moment = min(now, leads.data_as_of() or now)
    version = leads.customers_version()
    key = (version or "", moment, config.scorecard.min_lane_customers)
    if version is not None and key in _LANES:
        return _LANES[key]
    lanes = build_lane_book(
        leads.customers(), as_of=moment, min_customers=config.scorecard.min_lane_customers
    )
    if version is not None:
        _LANES.clear()  # one workspace's lanes at a time: the newest
        _LANES[key] = lanes
    return lanes


def lead_queue(
    uow: UnitOfWork,
    config: QualificationConfig,
    scope: AccessScope,
    *,
    status: str | None = None,
    page: int = 1,
    size: int = PAGE_SIZE,
    kept: Kept | None = None,
    version: int | None = None,
) -> QueuePage:
    """Page `page` of the leads with `status` (default: those waiting to be qualified) that
    the login may see, best score first (then by id).

    The store narrows the leads by status and owner; every one kept is scored a column at
    a time to order them, and only the page's leads are judged in full (BANT, demo-ready,
    the scorecard's reasons) and matched to their decisions.

    With `kept`, the lanes and the order are worked out once per state of the data (and
    configuration), at most `KEPT_SECONDS` old (the lanes are judged as of the newest
    record, or now if that is earlier), and only the page is read for each call;
    `version`: the data version the caller read already (else it is read here)."""
    statuses = [status] if status else list(config.routing.qualify_statuses)
    page = max(1, page)
    if scope.lead_owners is not None and not scope.lead_owners:
        return QueuePage([], page, 0, size)  # a login that stands for no one sees no lead
    kept = kept or Kept(entries=0)
    version = data_version(uow) if version is None else version
    setup = config.model_dump_json()

    def read_lanes() -> LaneBook:
        with uow:
            return _lanes(uow.leads, config)

    lanes = kept.get(("lanes", setup), version, read_lanes, max_age=KEPT_SECONDS)

    def order() -> list[str]:
        with uow:
            table = uow.leads.scoring_rows(statuses=statuses, owners=scope.lead_owners)
        scores = _scores(config.scorecard.to_domain(), lanes, table)
        ids = table["lead_id"].to_pylist()
        return [ids[i] for i in sorted(range(len(ids)), key=lambda i: (-scores[i], ids[i]))]

    key = ("lead-order", tuple(statuses), scope.lead_owners, setup)
    ordered = kept.get(key, version, order, max_age=KEPT_SECONDS)

    def read_page() -> QueuePage:
        wanted = ordered[(page - 1) * size : page * size]
        if not wanted:
            return QueuePage([], page, len(ordered), size)
        with uow:
            rows = uow.leads.lead_rows(lead_ids=wanted)
            latest = uow.leads.decisions_for(wanted)
        at = {lead_id: n for n, lead_id in enumerate(rows["lead_id"].to_pylist())}
        picked = rows.take(pa.array([at[i] for i in wanted if i in at], pa.int64()))
        found = assess(config, lanes, lead_records(picked))
        queued = [QueuedLead(a, latest.get(a.lead_id)) for a in found]
        return QueuePage(queued, page, len(ordered), size)

    return kept.get((*key, page, size), version, read_page, max_age=KEPT_SECONDS)


def _routable(accounts: AccountsUnitOfWork, scope: AccessScope, lead_id: str) -> str:
    """The lead's id if the login may route it; a lead it may not see is not found. Seen
    as the lead lists and pages see it (`services.scoped_records`): owned by the login's
    people, or handed off to one of them."""
    wanted = clean_id(lead_id, field="lead.id", what="a lead id")
    row = get_record(accounts, scope, "leads", wanted)  # NotFound, as the lead API words it
    if not routes_leads(scope):
        raise AccessDenied(f"{scope.principal.email} may read {wanted} but not route it")
    return str(row["lead_id"])


def _actor(scope: AccessScope) -> str:
    return scope.principal.person_id or scope.principal.email[:100]


def _record(d: LeadDecision) -> dict[str, object]:
    return {
        "decision": d.decision, "band": d.band, "to": d.to_id, "note": d.note,
        "nurture_until": d.nurture_until.isoformat() if d.nurture_until else None,
        "decision_id": d.decision_id,
    }  # fmt: skip


def qualify_lead(
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    config: QualificationConfig,
    scope: AccessScope,
    lead_id: str,
    *,
    clock: Clock = utc_now,
) -> QualifyResult:
    """Band the lead and route it by the team's rules (`pipefit leads qualify LEAD`)."""
    wanted = _routable(accounts, scope, lead_id)
    now = clock()
    result = qualify_leads(uow, config, lead_ids=[wanted], at=now)
    with accounts:
        for d in result.decisions:
            accounts.audit.append(
                AuditEntry(scope.principal.email, now, "lead.qualify", d.lead_id, None, _record(d))
            )
        accounts.commit()
    return result


def decide_lead(
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    config: QualificationConfig,
    scope: AccessScope,
    lead_id: str,
    decision: str,
    *,
    to_id: str | None = None,
    until: datetime | None = None,
    note: str | None = None,
    clock: Clock = utc_now,
) -> LeadDecision:
    """A person's routing of the lead (hand off, nurture until, disqualify), in place of
    the decision in force (`pipefit leads override`). A lead not yet qualified is first
    qualified by the rules, so the log keeps what pipefit would have done beside what the
    person did."""
    wanted = _routable(accounts, scope, lead_id)
    now = clock()
    with uow:
        had = uow.leads.latest_decisions().get(wanted)
    if had is None:
        qualify_lead(uow, accounts, config, scope, wanted, clock=lambda: now)
        with uow:
            had = uow.leads.latest_decisions().get(wanted)
    done = override_lead(
        uow, wanted, decision=decision, by=_actor(scope), to_id=to_id or None, until=until,
        note=note or None, at=now,
    )  # fmt: skip
    with accounts:
        accounts.audit.append(
            AuditEntry(scope.principal.email, now, "lead.override", wanted,
                       _record(had) if had is not None else None, _record(done))
        )  # fmt: skip
        accounts.commit()
    return done
