"""The lead queue for a login: the leads it may see (the access policy's lead owners),
best score first, each with its band, reasons and the decision in force; and the routing
actions, through the same services as `pipefit leads qualify` and `pipefit leads
override`, each written to the audit log.

Who may route a lead: whoever sees it and may change anything at all (a comp admin sees
every lead to check credit but routes none); a presales engineer routes the leads of the
reps their pool covers, as qualification is their work (DOMAIN 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.clock import Clock, utc_now
from pipefit.domain.errors import NotFound
from pipefit.domain.lanes import build_lane_book
from pipefit.domain.routing import LeadDecision
from pipefit.domain.users import AuditEntry
from pipefit.services.lead_decisions import override_lead
from pipefit.services.ports.accounts import AccountsUnitOfWork
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.qualification import (
    Assessment,
    QualifyResult,
    assess,
    data_as_of,
    qualify_leads,
)

__all__ = ["QueuedLead", "decide_lead", "lead_queue", "qualify_lead", "routes_leads"]

MAX_QUEUE = 200


@dataclass(frozen=True)
class QueuedLead:
    assessment: Assessment
    decision: LeadDecision | None  # the one in force, if any

    @property
    def lead_id(self) -> str:
        return self.assessment.record.lead.lead_id


def routes_leads(scope: AccessScope) -> bool:
    return scope.edit_owners is None or bool(scope.edit_owners) or bool(scope.edit_presales)


def lead_queue(
    uow: UnitOfWork,
    config: QualificationConfig,
    scope: AccessScope,
    *,
    status: str | None = None,
    limit: int = MAX_QUEUE,
) -> list[QueuedLead]:
    """Leads with `status` (default: those waiting to be qualified) that the login may
    see, best score first."""
    from pipefit.scoring.features import lead_records

    statuses = [status] if status else list(config.routing.qualify_statuses)
    if scope.lead_owners is not None and not scope.lead_owners:
        return []  # a login that stands for no one sees no lead: nothing to read
    with uow:
        table = uow.leads.lead_table()
        customers = uow.leads.customers()
    # As `assess_waiting` judges them (the lanes as of the data's newest record), but only
    # the leads asked for and seen are turned into records: the rest are never read.
    now = datetime.now(UTC)
    moment = min(now, data_as_of(table) or now)
    lanes = build_lane_book(
        customers, as_of=moment, min_customers=config.scorecard.min_lane_customers
    )
    wanted = pc.is_in(table.column("status"), pa.array(statuses, pa.string()))
    if scope.lead_owners is not None:
        owned = pa.array(sorted(scope.lead_owners), pa.string())
        wanted = pc.and_(wanted, pc.is_in(table.column("owner_id"), owned))
    found = assess(config, lanes, lead_records(table.filter(pc.fill_null(wanted, False))))
    with uow:
        latest = uow.leads.latest_decisions()
    found.sort(key=lambda a: (-a.card.score, a.record.lead.lead_id))
    return [QueuedLead(a, latest.get(a.record.lead.lead_id)) for a in found[:limit]]


def _routable(
    uow: UnitOfWork, config: QualificationConfig, scope: AccessScope, lead_id: str
) -> str:
    """The lead's id if the login may route it; a lead it may not see is not found."""
    wanted = lead_id.strip()
    with uow:
        table = uow.leads.lead_table()
    ids = table.column("lead_id").to_pylist()
    owners = table.column("owner_id").to_pylist()
    owner = dict(zip(ids, owners, strict=True))
    if wanted not in owner or not scope.sees_lead(owner[wanted]):
        raise NotFound(f"no lead '{wanted}'", field="lead")
    if not routes_leads(scope):
        raise AccessDenied(f"{scope.principal.email} may read {wanted} but not route it")
    return wanted


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
    wanted = _routable(uow, config, scope, lead_id)
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
    wanted = _routable(uow, config, scope, lead_id)
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
