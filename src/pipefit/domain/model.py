"""The records pipefit keeps: one model that every capability reads and writes.

Plain dataclasses; money is Decimal, time is timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pipefit.domain.errors import PipefitError

__all__ = [
    "ADOPTION_CULTURES",
    "Account",
    "Activity",
    "Category",
    "Contact",
    "CustomerOutcome",
    "Handoff",
    "Lead",
    "LeadStatus",
    "Opportunity",
    "Person",
    "Pool",
    "PoolMember",
    "Quota",
    "Role",
    "StageEvent",
    "StageEventCorrection",
    "Team",
    "clean_id",
]

MAX_ID_LENGTH = 100  # source ids are free text; 100 characters covers every CRM we know


def clean_id(value: str, *, field: str, what: str = "id") -> str:
    """An id as a person typed it: surrounding spaces dropped (' opp-1 ' is 'opp-1');
    an empty one, one with line breaks or control characters, or an overlong one refused."""
    cleaned = value.strip()
    if not cleaned:
        raise PipefitError(f"{what} is empty; give one", field=field)
    if not cleaned.isprintable():
        raise PipefitError(
            f"{what} {cleaned!r} holds a line break or a control character", field=field
        )
    if len(cleaned) > MAX_ID_LENGTH:
        raise PipefitError(
            f"{what} '{cleaned[:20]}...' is {len(cleaned)} characters long; "
            f"at most {MAX_ID_LENGTH}",
            field=field,
        )
    return cleaned


ADOPTION_CULTURES = ("innovator", "early_adopter", "early_majority", "late_majority", "laggard")


class Category(StrEnum):
    """Every stage, whatever its name, is open, won or lost (as in Odoo and Frappe CRM)."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class Role(StrEnum):
    SALES_REP = "sales_rep"
    PRESALES = "presales"
    MANAGER = "manager"
    ADMIN = "admin"


class LeadStatus(StrEnum):
    NEW = "new"
    WORKING = "working"
    NURTURE = "nurture"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"


@dataclass
class Account:
    account_id: str
    name: str
    industry: str | None = None
    employees: int | None = None
    annual_revenue: Decimal | None = None
    region: str | None = None
    culture: str | None = None
    segment: str | None = None


@dataclass
class Contact:
    contact_id: str
    account_id: str | None
    name: str
    title: str | None = None
    is_executive: bool = False
    is_decision_maker: bool = False
    on_buying_committee: bool = False
    former_user: bool = False


@dataclass
class Team:
    team_id: str
    name: str
    region: str | None = None
    manager_id: str | None = None


@dataclass
class Person:
    person_id: str
    name: str
    role: Role
    team_id: str | None = None
    base_pay: Decimal | None = None
    variable_pay: Decimal | None = None
    currency: str = "USD"
    hired_at: date | None = None


@dataclass
class Pool:
    """A presales pool: its members share the covered reps' (discounted) quota."""

    pool_id: str
    name: str
    discount_pct: Decimal | None = None
    target: Decimal | None = None


@dataclass
class PoolMember:
    pool_id: str
    person_id: str
    kind: str  # "member" (presales) or "covered_rep"


@dataclass
class Lead:
    lead_id: str
    created_at: datetime
    status: LeadStatus = LeadStatus.NEW
    account_id: str | None = None
    contact_id: str | None = None
    source: str | None = None
    owner_id: str | None = None
    budget: str | None = None  # yes / no / unknown
    authority: str | None = None
    need: str | None = None
    timeline: str | None = None
    # Situation Slide fields (demo-ready qualification)
    contact_role: str | None = None
    critical_issue: str | None = None
    problems: str | None = None
    capabilities: str | None = None
    value_expected: str | None = None
    value_realization_events: str | None = None
    # Discovery answers (success-ready qualification)
    needs_match_pct: Decimal | None = None
    success_criteria_fit_pct: Decimal | None = None
    buying_team_size: int | None = None
    referral: bool | None = None
    similar_experience: bool | None = None
    expected_ttv_days: int | None = None


@dataclass
class Opportunity:
    opportunity_id: str
    pipeline: str
    stage: str
    created_at: datetime
    name: str | None = None
    account_id: str | None = None
    lead_id: str | None = None
    substate: str | None = None
    amount: Decimal | None = None
    currency: str = "USD"
    owner_id: str | None = None
    presales_id: str | None = None
    closed_at: datetime | None = None
    outcome: Category = Category.OPEN
    loss_reason: str | None = None
    product: str | None = None
    source: str = "pipefit"
    version: int = 0


@dataclass(frozen=True)
class StageEvent:
    """One entry in the append-only stage log; `seq` numbers an opportunity's events from 1."""

    opportunity_id: str
    seq: int
    from_stage: str | None
    to_stage: str
    at: datetime
    substate: str | None = None
    actor_id: str | None = None
    source: str = "pipefit"
    reason: str | None = None


@dataclass(frozen=True)
class StageEventCorrection:
    """An admin's correction of one logged stage event, logged beside the stage log.

    The log itself is never rewritten: a correction gives the event's true time (`at`) or
    says it never happened (`void`), with who (`actor_id`), when (`recorded_at`) and why
    (`reason`). `seq` numbers a deal's corrections from 1; of several corrections of one
    event the last is in force.
    """

    opportunity_id: str
    seq: int
    corrects_seq: int
    recorded_at: datetime
    reason: str
    at: datetime | None = None
    void: bool = False
    actor_id: str | None = None


@dataclass(frozen=True)
class Activity:
    """Evidence that a trigger can ask for: a meeting booked, a demo held, a PO received..."""

    activity_id: str
    kind: str
    at: datetime
    opportunity_id: str | None = None
    lead_id: str | None = None
    purpose: str | None = None
    by: str | None = None  # who accepted or did it: "prospect", "rep", "presales"
    actor_id: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Handoff:
    lead_id: str
    from_id: str | None
    to_id: str
    at: datetime


@dataclass
class CustomerOutcome:
    account_id: str
    won_at: datetime
    renewed: bool | None = None
    expanded: bool | None = None
    churned_at: datetime | None = None
    reference: bool | None = None
    revenue: Decimal | None = None
    margin: Decimal | None = None
    time_to_value_days: int | None = None


@dataclass
class Quota:
    """A target for a person or a pool over a period ('2026', '2026Q3' or '2026-07')."""

    owner_id: str
    period: str
    amount: Decimal
    owner_kind: str = "person"  # or "pool"
    currency: str = "USD"
