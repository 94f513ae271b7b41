"""The one access policy: which rows a login may see and change, and whose pay it may read.

Decided from the login's role and the person it stands for, over the org chart (each
person's team, each team's manager, each presales pool's members and the reps it covers):

- sales_rep: sees and changes the deals and leads they own; reads their own pay.
- presales: sees the deals where they are the presales engineer and those owned by the
  reps their pools cover (leads: their own and those reps'); changes the deals where they
  are the presales engineer; reads their own pay.
- manager: sees and changes the deals and leads owned or supported by anyone in their
  subtree (and themself); reads their own pay and their subtree's.
- revops, admin: see and change every deal and lead; read their own pay (if linked to a
  person). Only admin manages users.
- comp_admin: sees every deal and lead (to check credit), changes none; reads everyone's
  pay.

Pay privacy follows the issue's words: "visible to that person, their managers and comp
admins, never to a peer". An admin or revops login therefore sees every deal but no one's
pay figures (quota attainment, statements, plan figures) unless it is that person's
manager or a comp admin: seeing all rows is not seeing all pay. Only admin manages users.

The policy is pure: the services turn an `AccessScope` into filters on their queries, so
lists, counts, reports and statements all answer from the same sets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pipefit.domain.errors import PipefitError
from pipefit.domain.users import UserRole

__all__ = ["AccessDenied", "AccessScope", "OrgChart", "Principal", "scope_for"]


@dataclass(frozen=True)
class Principal:
    """Who is asking: the login's email and role, and the person of the data it stands for."""

    email: str
    role: UserRole
    person_id: str | None = None


@dataclass(frozen=True)
class OrgChart:
    """The reporting lines and pools, as the data holds them."""

    team_of: Mapping[str, str | None]  # person -> team
    manager_of_team: Mapping[str, str | None]  # team -> its manager (a person)
    pool_members: Mapping[str, frozenset[str]] = field(default_factory=dict)  # pool -> presales
    pool_covers: Mapping[str, frozenset[str]] = field(default_factory=dict)  # pool -> reps

    def manager_of(self, person: str) -> str | None:
        """The person's manager: their team's manager, unless that is themself (a manager
        sits in the team they run, and reports to whoever runs the team above, not known
        here)."""
        team = self.team_of.get(person)
        manager = self.manager_of_team.get(team) if team is not None else None
        return manager if manager != person else None

    def managers(self, person: str) -> list[str]:
        """The chain above `person`, nearest first; a loop in the data ends the chain."""
        chain: list[str] = []
        current = self.manager_of(person)
        while current is not None and current not in chain and current != person:
            chain.append(current)
            current = self.manager_of(current)
        return chain

    def subtree(self, manager: str) -> frozenset[str]:
        """Everyone whose chain of managers includes `manager` (not the manager)."""
        return frozenset(p for p in self.team_of if manager in self.managers(p))

    def covered_reps(self, presales: str) -> frozenset[str]:
        """The reps that the pools `presales` belongs to cover."""
        reps: set[str] = set()
        for pool, members in self.pool_members.items():
            if presales in members:
                reps |= self.pool_covers.get(pool, frozenset())
        return frozenset(reps)


@dataclass(frozen=True)
class AccessScope:
    """The sets a login's queries are filtered by. `None` for a set means "all rows"."""

    principal: Principal
    deal_owners: frozenset[str] | None  # deals owned by these people are seen
    deal_presales: frozenset[str]  # and deals these people support as presales
    lead_owners: frozenset[str] | None
    people: frozenset[str] | None  # people whose records (name, team) are seen
    edit_owners: frozenset[str] | None  # deals owned by these may be changed
    edit_presales: frozenset[str]
    pay: frozenset[str] | None  # whose pay is seen (None: everyone's)
    manages_users: bool = False

    @property
    def sees_all_deals(self) -> bool:
        return self.deal_owners is None

    def sees_deal(self, owner_id: str | None, presales_id: str | None) -> bool:
        if self.deal_owners is None:
            return True
        return (owner_id is not None and owner_id in self.deal_owners) or (
            presales_id is not None and presales_id in self.deal_presales
        )

    def edits_deal(self, owner_id: str | None, presales_id: str | None) -> bool:
        if self.edit_owners is None:
            return True
        return (owner_id is not None and owner_id in self.edit_owners) or (
            presales_id is not None and presales_id in self.edit_presales
        )

    def sees_lead(self, owner_id: str | None) -> bool:
        return self.lead_owners is None or (owner_id is not None and owner_id in self.lead_owners)

    @property
    def routes_leads(self) -> bool:
        """Leads are routed by whoever sees them (a presales engineer qualifies their
        reps' leads), comp admins aside: they read, never change."""
        return self.principal.role is not UserRole.COMP_ADMIN

    def edits_lead(self, owner_id: str | None) -> bool:
        return self.routes_leads and self.sees_lead(owner_id)

    def sees_person(self, person_id: str) -> bool:
        return self.people is None or person_id in self.people

    def sees_pay(self, person_id: str) -> bool:
        return self.pay is None or person_id in self.pay

    def sees_pool_pay(self, members: Iterable[str]) -> bool:
        """A pool's figures are its members' pay: seen only by whoever sees every member's
        (so a presales engineer sees their own pool's target, a peer pool's never)."""
        listed = list(members)
        if self.pay is None:
            return True
        if self.principal.person_id is None or not listed:
            return False
        own = self.principal.person_id in listed
        return own or all(m in self.pay for m in listed)


NOBODY: frozenset[str] = frozenset()


def scope_for(principal: Principal, chart: OrgChart) -> AccessScope:
    """What `principal` may see and change, by the table in this module's docstring."""
    me = principal.person_id
    mine = frozenset({me}) if me is not None else NOBODY
    role = principal.role
    if role in (UserRole.ADMIN, UserRole.REVOPS):
        return AccessScope(
            principal,
            deal_owners=None,
            deal_presales=NOBODY,
            lead_owners=None,
            people=None,
            edit_owners=None,
            edit_presales=NOBODY,
            pay=mine,
            manages_users=role is UserRole.ADMIN,
        )
    if role is UserRole.COMP_ADMIN:
        return AccessScope(
            principal,
            deal_owners=None,
            deal_presales=NOBODY,
            lead_owners=None,
            people=None,
            edit_owners=NOBODY,
            edit_presales=NOBODY,
            pay=None,
        )
    if me is None:  # a personal role with no person sees nothing rather than guessing
        return AccessScope(principal, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY, NOBODY)
    if role is UserRole.SALES_REP:
        return AccessScope(
            principal,
            deal_owners=mine,
            deal_presales=NOBODY,
            lead_owners=mine,
            people=mine,
            edit_owners=mine,
            edit_presales=NOBODY,
            pay=mine,
        )
    if role is UserRole.PRESALES:
        covered = chart.covered_reps(me)
        return AccessScope(
            principal,
            deal_owners=covered,
            deal_presales=mine,
            lead_owners=covered | mine,
            people=covered | mine,
            edit_owners=NOBODY,
            edit_presales=mine,
            pay=mine,
        )
    team = chart.subtree(me) | mine  # a manager
    return AccessScope(
        principal,
        deal_owners=team,
        deal_presales=team,
        lead_owners=team,
        people=team,
        edit_owners=team,
        edit_presales=team,
        pay=team,
    )


class AccessDenied(PipefitError):
    """The login may see the record but not change it (or may not do this at all)."""
