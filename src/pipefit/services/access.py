"""The access policy's inputs read from the workspace: who stands for whom in the org
chart, and so which rows and whose pay a login may see (`domain.access`)."""

from __future__ import annotations

from pipefit.domain.access import AccessScope, OrgChart, Principal, scope_for
from pipefit.services.kept import Kept, data_version
from pipefit.services.ports.unit_of_work import UnitOfWork

__all__ = ["load_scope", "org_chart"]


def org_chart(uow: UnitOfWork) -> OrgChart:
    """Teams, their managers and the presales pools, as the workspace holds them."""
    with uow:
        people = uow.pay.people()
        teams = uow.pay.teams()
        members = uow.pay.pool_members()
    pool_members: dict[str, set[str]] = {}
    pool_covers: dict[str, set[str]] = {}
    for m in members:
        into = pool_covers if m.kind == "covered_rep" else pool_members
        into.setdefault(m.pool_id, set()).add(m.person_id)
    return OrgChart(
        team_of={p.person_id: p.team_id for p in people},
        manager_of_team={t.team_id: t.manager_id for t in teams},
        pool_members={k: frozenset(v) for k, v in pool_members.items()},
        pool_covers={k: frozenset(v) for k, v in pool_covers.items()},
    )


def load_scope(
    uow: UnitOfWork, principal: Principal, kept: Kept | None = None, version: int | None = None
) -> AccessScope:
    """What `principal` may see and change in this workspace now. With `kept`, worked out
    once per state of the data (every request of a server asks: reading the org chart of
    thousands of people each time would cost more than most pages); `version`: the data
    version the caller read already (else it is read here)."""
    if kept is None:
        return scope_for(principal, org_chart(uow))
    version = data_version(uow) if version is None else version
    chart = kept.get(("org-chart",), version, lambda: org_chart(uow))
    return kept.get(("scope", principal), version, lambda: scope_for(principal, chart))
