"""Lead use cases for a login: add a lead, read its score (band and reasons) and its
decisions, override the decision in force (a hand-off, nurture, disqualify) with a note.
Only leads the login sees are read (others are "not found", as unknown ones); only those
it may route are changed; every change is written with its audit entry in one
transaction."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pipefit.config.qualification import QualificationConfig
from pipefit.domain.access import AccessDenied, AccessScope
from pipefit.domain.clock import Clock, refuse_future, utc_now
from pipefit.domain.errors import PipefitError
from pipefit.domain.model import Lead, LeadStatus, clean_id
from pipefit.domain.record_pages import LISTINGS, RecordQuery, Visibility
from pipefit.domain.routing import LeadDecision, override
from pipefit.domain.users import AuditEntry
from pipefit.services.lead_decisions import decision_log, lead_detail
from pipefit.services.ports.accounts import AccountsUnitOfWork
from pipefit.services.ports.unit_of_work import UnitOfWork
from pipefit.services.qualification import Assessment, with_id
from pipefit.services.scoped_records import get_record

__all__ = ["create_lead", "lead_decisions", "lead_score", "override_decision"]

ANSWERS = ("yes", "no", "unknown")
BANT = ("budget", "authority", "need", "timeline")
PERCENTS = ("needs_match_pct", "success_criteria_fit_pct")


def _actor(scope: AccessScope) -> str:
    return scope.principal.person_id or scope.principal.email[:100]


def _exists(accounts: AccountsUnitOfWork, name: str, record_id: str) -> bool:
    listing = LISTINGS[name]
    query = RecordQuery(listing, Visibility(None), {listing.key: record_id}, limit=1)
    with accounts:
        return bool(accounts.records.page(query).rows)


def _check_answers(fields: dict[str, Any]) -> None:
    for name in BANT:
        value = fields.get(name)
        if value is not None and value not in ANSWERS:
            raise PipefitError(
                f"{name} is answered {', '.join(ANSWERS)}; not '{value}'", field=f"lead.{name}"
            )
    for name in PERCENTS:
        value = fields.get(name)
        if value is not None and not Decimal(0) <= value <= Decimal(100):
            raise PipefitError(
                f"{name} is a percentage, 0 to 100; not {value}", field=f"lead.{name}"
            )
    for name in ("buying_team_size", "expected_ttv_days"):
        value = fields.get(name)
        if value is not None and value < 0:
            raise PipefitError(f"{name} cannot be negative; got {value}", field=f"lead.{name}")


def create_lead(
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    fields: dict[str, Any],
    *,
    lead_id: str | None = None,
    created_at: datetime | None = None,
    clock: Clock = utc_now,
) -> Lead:
    """A new lead, status new, owned by `fields["owner_id"]` (default: the login's person).
    A login adds only leads it may route (a rep, their own); an account or contact named
    must exist."""
    now = clock()
    when = created_at or now
    refuse_future(when, now, field="lead.created_at", what="a lead's creation")
    new_id = clean_id(lead_id, field="lead.id", what="a lead id") if lead_id else None
    owner = fields.get("owner_id") or scope.principal.person_id
    owner = clean_id(owner, field="lead.owner_id", what="an owner's person id") if owner else None
    if not scope.edits_lead(owner):
        raise AccessDenied(
            f"{scope.principal.email} may not add a lead owned by {owner or 'no one'}"
        )
    _check_answers(fields)
    for name, listing in (("account_id", "accounts"), ("contact_id", "contacts")):
        value = fields.get(name)
        if value is not None:
            value = clean_id(value, field=f"lead.{name}", what=f"an {name[:-3]} id")
            if not _exists(accounts, listing, value):
                raise PipefitError(f"no {name[:-3]} '{value}'", field=f"lead.{name}")
            fields = {**fields, name: value}
    values = {k: v for k, v in fields.items() if k not in ("owner_id", "lead_source")}
    lead = Lead(
        lead_id=new_id or f"lead-{uuid.uuid4().hex[:12]}",
        created_at=when,
        status=LeadStatus.NEW,
        owner_id=owner,
        source=fields.get("lead_source"),
        **values,
    )
    with accounts:
        accounts.records.add_lead(lead)
        record = {
            k: str(v) if isinstance(v, Decimal | datetime) else v for k, v in asdict(lead).items()
        }
        accounts.audit.append(
            AuditEntry(scope.principal.email, now, "lead.add", lead.lead_id, None, record)
        )
        accounts.commit()
    return lead


def _seen(accounts: AccountsUnitOfWork, scope: AccessScope, lead_id: str) -> dict[str, Any]:
    return get_record(
        accounts, scope, "leads", clean_id(lead_id, field="lead.id", what="a lead id")
    )


def lead_score(
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    config: QualificationConfig,
    lead_id: str,
    *,
    learned: bool = False,
) -> tuple[Assessment, list[LeadDecision], list[str]]:
    """A lead the login sees judged every way (BANT, demo-ready, the scorecard's band and
    reasons; learned odds when `learned`), with its decisions, newest first."""
    row = _seen(accounts, scope, lead_id)
    return lead_detail(uow, config, row["lead_id"], learned=learned)


def lead_decisions(
    uow: UnitOfWork, accounts: AccountsUnitOfWork, scope: AccessScope, lead_id: str
) -> list[LeadDecision]:
    """The decisions on a lead the login sees, newest first, each in force or superseded."""
    row = _seen(accounts, scope, lead_id)
    return decision_log(uow, row["lead_id"])


def override_decision(
    uow: UnitOfWork,
    accounts: AccountsUnitOfWork,
    scope: AccessScope,
    lead_id: str,
    *,
    decision: str,
    to_id: str | None = None,
    until: datetime | None = None,
    note: str | None = None,
    clock: Clock = utc_now,
) -> LeadDecision:
    """The login's decision replaces the one in force (both stay on record); a hand-off
    names the rep, nurturing a re-entry date, disqualifying a reason. Written with its
    audit entry in one transaction."""
    row = _seen(accounts, scope, lead_id)  # seen: owned by, or handed to, its people
    if not scope.routes_leads:
        raise AccessDenied(f"{scope.principal.email} may read {row['lead_id']} but not route it")
    target = clean_id(to_id, field="override.to", what="a rep's person id") if to_id else None
    moment = clock()
    until_utc = until.astimezone(UTC) if until is not None else None
    with uow:
        log = uow.leads.decisions_of(row["lead_id"], limit=1)
        if not log:
            raise PipefitError(
                f"{row['lead_id']} has no decision to override yet: qualify it first",
                field="lead",
            )
        changed = override(
            log[0], decision=decision, by=_actor(scope), at=moment, to_id=target,
            nurture_until=until_utc, note=note,
        )  # fmt: skip
        [decision_id] = uow.leads.save_decisions([changed])
        uow.audit.append(
            AuditEntry(
                scope.principal.email, moment, "lead.override", row["lead_id"],
                {"decision": log[0].decision, "decision_id": log[0].decision_id},
                {"decision": changed.decision, "decision_id": decision_id, "to": changed.to_id,
                 "until": until_utc.isoformat() if until_utc else None, "note": note},
            )
        )  # fmt: skip
        uow.commit()
    return with_id(changed, decision_id)
