"""The access policy on a small org chart; every expected set is derived by hand below.

team-east (manager mia): mia, rae (rep), rob (rep), pat (presales), wes (manager)
team-west (manager wes): ron (rep), pia (presales)
pool-1: pat, covering rae and rob;  pool-2: pia, covering ron

deal  owner  presales
d1    rae    pat
d2    rob    pia
d3    ron    pia
d4    rae    -
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from pipefit.domain.access import OrgChart, Principal, scope_for
from pipefit.domain.users import UserRole
from pipefit.services.scoped_reports import scope_relations

CHART = OrgChart(
    team_of={
        "mia": "east", "rae": "east", "rob": "east", "pat": "east", "wes": "east",
        "ron": "west", "pia": "west",
    },
    manager_of_team={"east": "mia", "west": "wes"},
    pool_members={"pool-1": frozenset({"pat"}), "pool-2": frozenset({"pia"})},
    pool_covers={"pool-1": frozenset({"rae", "rob"}), "pool-2": frozenset({"ron"})},
)  # fmt: skip
DEALS = {"d1": ("rae", "pat"), "d2": ("rob", "pia"), "d3": ("ron", "pia"), "d4": ("rae", None)}
PEOPLE = sorted(CHART.team_of)


def scope(role: UserRole, person: str | None = None):  # type: ignore[no-untyped-def]
    return scope_for(Principal(f"{person or role}@example.com", role, person), CHART)


def seen(role: UserRole, person: str | None = None) -> set[str]:
    s = scope(role, person)
    return {d for d, (owner, presales) in DEALS.items() if s.sees_deal(owner, presales)}


def edited(role: UserRole, person: str | None = None) -> set[str]:
    s = scope(role, person)
    return {d for d, (owner, presales) in DEALS.items() if s.edits_deal(owner, presales)}


def pay(role: UserRole, person: str | None = None) -> set[str]:
    s = scope(role, person)
    return {p for p in PEOPLE if s.sees_pay(p)}


def test_the_chain_of_managers_climbs_teams_and_a_manager_does_not_manage_themself() -> None:
    assert CHART.managers("ron") == ["wes", "mia"]  # west's manager wes sits in east
    assert CHART.managers("mia") == []
    assert CHART.subtree("wes") == {"ron", "pia"}
    assert CHART.subtree("mia") == {"rae", "rob", "pat", "wes", "ron", "pia"}


def test_a_sales_rep_sees_and_edits_their_own_deals_and_reads_only_their_own_pay() -> None:
    assert seen(UserRole.SALES_REP, "rae") == {"d1", "d4"}
    assert edited(UserRole.SALES_REP, "rae") == {"d1", "d4"}
    assert pay(UserRole.SALES_REP, "rae") == {"rae"}


def test_a_presales_engineer_sees_their_deals_and_their_pools_reps_but_edits_only_theirs() -> None:
    # pat: owned by rae or rob (pool-1) -> d1, d2, d4; presales pat -> d1
    assert seen(UserRole.PRESALES, "pat") == {"d1", "d2", "d4"}
    assert edited(UserRole.PRESALES, "pat") == {"d1"}
    # pia: owned by ron (pool-2) -> d3; presales pia -> d2, d3
    assert seen(UserRole.PRESALES, "pia") == {"d2", "d3"}
    assert edited(UserRole.PRESALES, "pia") == {"d2", "d3"}
    assert pay(UserRole.PRESALES, "pia") == {"pia"}


def test_a_manager_sees_their_subtree_and_its_pay_and_the_top_manager_sees_everyone() -> None:
    # wes's subtree: ron, pia (and wes): ron's d3; pia supports d2, d3
    assert seen(UserRole.MANAGER, "wes") == {"d2", "d3"}
    assert pay(UserRole.MANAGER, "wes") == {"wes", "ron", "pia"}
    assert seen(UserRole.MANAGER, "mia") == {"d1", "d2", "d3", "d4"}
    assert pay(UserRole.MANAGER, "mia") == set(PEOPLE)


def test_admin_and_revops_see_every_deal_but_no_ones_pay_and_comp_admin_all_pay_no_edits() -> None:
    for role in (UserRole.ADMIN, UserRole.REVOPS):
        assert seen(role) == set(DEALS) and edited(role) == set(DEALS)
        assert pay(role) == set()
    assert pay(UserRole.REVOPS, "wes") == {"wes"}  # linked to a person: their own
    assert seen(UserRole.COMP_ADMIN) == set(DEALS)
    assert edited(UserRole.COMP_ADMIN) == set()
    assert pay(UserRole.COMP_ADMIN) == set(PEOPLE)
    assert scope(UserRole.ADMIN).manages_users and not scope(UserRole.REVOPS).manages_users


def test_a_personal_role_without_a_person_sees_nothing() -> None:
    assert seen(UserRole.SALES_REP) == set() and pay(UserRole.MANAGER) == set()


def test_a_peer_never_reads_another_reps_pay() -> None:
    assert not scope(UserRole.SALES_REP, "rob").sees_pay("rae")
    assert not scope(UserRole.PRESALES, "pat").sees_pay("rae")  # covers rae, still a peer
    assert not scope(UserRole.MANAGER, "wes").sees_pay("rae")  # another subtree


QUOTAS = pa.table(
    {
        "owner_kind": ["person", "person", "person", "pool", "pool"],
        "owner_id": ["rae", "rob", "ron", "pool-1", "pool-2"],
        "period": ["2026"] * 5,
        "amount_home": [100.0, 200.0, 400.0, 1000.0, 2000.0],
    }
)
POOLS = {"pool-1": ["pat"], "pool-2": ["pia"]}


def quota_total(role: UserRole, person: str | None = None) -> float:
    cut = scope_relations({"quotas": QUOTAS}, scope(role, person), POOLS)
    return float(sum(cut["quotas"]["amount_home"].to_pylist()))


@pytest.mark.parametrize(
    ("role", "person", "total"),
    [
        (UserRole.SALES_REP, "rob", 200.0),  # rob's own only: rae's 100 never adds in
        (UserRole.PRESALES, "pat", 1000.0),  # pool-1 (their own pool), no rep's quota
        (UserRole.MANAGER, "wes", 400.0 + 2000.0),  # ron and pool-2 (pia)
        (UserRole.MANAGER, "mia", 3700.0),  # everything: 100+200+400+1000+2000
        (UserRole.ADMIN, None, 0.0),  # all rows, no pay
        (UserRole.COMP_ADMIN, None, 3700.0),
    ],
)
def test_pay_is_hidden_from_a_peer_in_an_aggregate(
    role: UserRole, person: str | None, total: float
) -> None:
    assert quota_total(role, person) == total


def test_report_relations_are_cut_to_the_deals_a_login_sees() -> None:
    deals = pa.table(
        {
            "opportunity_id": list(DEALS),
            "owner_id": [o for o, _ in DEALS.values()],
            "presales_id": [p for _, p in DEALS.values()],
            "lead_id": ["l1", "l2", "l3", None],
            "account_id": ["a1", "a2", "a3", "a1"],
        }
    )
    events = pa.table({"opportunity_id": ["d1", "d2", "d3", "d3", "d4"], "seq": [1, 1, 1, 2, 1]})
    cut = scope_relations(
        {"deals": deals, "events": events}, scope(UserRole.PRESALES, "pia"), POOLS
    )
    assert cut["deals"]["opportunity_id"].to_pylist() == ["d2", "d3"]
    assert cut["events"]["opportunity_id"].to_pylist() == ["d2", "d3", "d3"]
